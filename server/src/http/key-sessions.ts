import type WebSocket from 'ws';
import type { Principal } from '../modules/auth/scopes.ts';
import type { AuthService, KeyChange } from '../modules/auth/service.ts';

/** graphql-ws close codes: the key no longer works (not retried by clients) / it changed (reconnect to see how). */
export const CLOSE_KEY_REVOKED = 4401;
export const CLOSE_KEY_CHANGED = 4403;

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

  constructor(private readonly auth: AuthService) {
    this.stop = auth.onChange((c) => void this.changed(c));
  }

  /** Remembers an authenticated socket until it closes (the environment's admin key has no id and never changes). */
  add(socket: WebSocket, principal: Principal): void {
    const keyId = principal.keyId;
    if (!keyId) return;
    let set = this.byKey.get(keyId);
    if (!set) this.byKey.set(keyId, (set = new Set()));
    const session = { socket, principal };
    set.add(session);
    socket.once('close', () => {
      set.delete(session);
      if (set.size === 0 && this.byKey.get(keyId) === set) this.byKey.delete(keyId);
    });
  }

  /** Open sockets per key id (for tests and /healthz-style introspection). */
  count(keyId: string): number {
    return this.byKey.get(keyId)?.size ?? 0;
  }

  close(): void {
    this.stop();
  }

  private async changed(c: KeyChange): Promise<void> {
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
