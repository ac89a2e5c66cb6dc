'use client';
import { useSocketState } from '@/lib/data';

const LABEL = { idle: 'idle', connecting: 'connecting…', live: 'live', down: 'reconnecting…' } as const;

/** Shows whether live updates flow; "reconnecting" means the page will catch up when the socket returns. */
export function ConnectionIndicator() {
  const state = useSocketState();
  return (
    <span
      className={`conn conn-${state}`}
      data-testid="connection-state"
      data-state={state}
      title="Live updates (WebSocket)"
    >
      <span className="dot" /> {LABEL[state]}
    </span>
  );
}
