import type WebSocket from 'ws';
import type { Principal } from '../modules/auth/scopes.ts';
import type { AuthService, KeyChange } from '../modules/auth/service.ts';

/** graphql-ws close codes: the key no longer works (not retried by clients) / it changed (reconnect to see how). */
export const CLOSE_KEY_REVOKED = 4401;
export const CLOSE_KEY_CHANGED = 4403;
/** The key already holds WS_CONNECTIONS_PER_KEY open sockets (HTTP's 429): close one, or retry later. */
export const CLOSE_TOO_MANY_CONNECTIONS = 4429;

interface Session {
  socket: WebSocket;
  principal: Principal;
}

/**
 * The WebSocket sessions open with each stored API key, ended when the key changes. A key's scopes and
 * experiments are read once, when its socket connects; rather than re-checking every operation, a change
 * (revoked, deleted, narrowed: AuthService.onChange, fed by LISTEN) closes the key's sockets, which ends their
 * subscriptions and refuses any new one on them. A client whose key still works reconnects with what it may do now.
 */
export class KeySessions {
  private readonly byKey = new Map<string, Set<Session>>();
  private readonly stop: () => void;
  /** Counts key changes heard; per key (and for "any key"), the count at its latest change. */
  private changes = 0;
  private readonly changedAt = new Map<string | null, number>();

  constructor(private readonly auth: AuthService) {
    this.stop = auth.onChange((c) => void this.changed(c));
  }

  /** Taken before a socket's key is looked up; add() compares it with the changes heard meanwhile. */
  mark(): number {
    return this.changes;
  }

  /**
   * Remembers an authenticated socket until it closes (the environment's admin key has no id and never changes).
   * A change heard while its key was being looked up may not be in what the look-up read: false, and the caller
   * refuses the connection (4403); the client reconnects with the key as it is now.
   */
  add(socket: WebSocket, principal: Principal, mark: number): boolean {
    const keyId = principal.keyId;
    if (!keyId) return true;
    if ((this.changedAt.get(keyId) ?? -1) >= mark || (this.changedAt.get(null) ?? -1) >= mark) return false;
    let set = this.byKey.get(keyId);
    if (!set) this.byKey.set(keyId, (set = new Set()));
    const session = { socket, principal };
    set.add(session);
    socket.once('close', () => {
      set.delete(session);
      if (set.size === 0 && this.byKey.get(keyId) === set) this.byKey.delete(keyId);
    });
    return true;
  }

  close(): void {
    this.stop();
  }

  private async changed(c: KeyChange): Promise<void> {
    this.changedAt.set(c.keyId, this.changes++);
    if (c.keyId) {
      const code = c.ended ? CLOSE_KEY_REVOKED : CLOSE_KEY_CHANGED;
      for (const s of this.byKey.get(c.keyId) ?? [])
        s.socket.close(code, c.ended ? 'API key revoked' : 'API key changed');
      return;
    }
    // Notices may have been missed: keep only the sessions whose key still holds exactly as it did.
    for (const set of [...this.byKey.values()]) {
      for (const s of [...set]) {
        const holds = await this.auth.stillHolds(s.principal).catch(() => true);
        if (!holds) s.socket.close(CLOSE_KEY_CHANGED, 'API key changed');
      }
    }
  }
}
