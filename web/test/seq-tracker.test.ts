/**
 * The dashboard's SeqTracker decides which live events are new and where a resubscribe resumes; a bug
 * here shows up as duplicated or missing points after a WebSocket drop. Plain Node: no browser needed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type LiveCounts, SeqTracker } from '../src/lib/seq-tracker.ts';

test('SeqTracker applies each seq once per run, in any interleaving of runs', () => {
  const t = new SeqTracker([{ runId: 'a', seq: 5 }]);
  assert.equal(t.accept('a', 5), false, 'the seq the page loaded is already applied');
  assert.equal(t.accept('a', 4), false);
  assert.equal(t.accept('a', 6), true);
  assert.equal(t.accept('a', 6), false, 'a duplicate is dropped');
  assert.equal(t.accept('b', 1), true, 'an unknown run starts fresh');
  assert.equal(t.accept('b', 1), false);
  assert.equal(t.accept('a', 9), true, 'gaps are allowed: seqs only increase');
  assert.deepEqual(t.since(), [
    { runId: 'a', seq: 9 },
    { runId: 'b', seq: 1 },
  ]);
});

test('SeqTracker resumes from the last applied seq, not from 0, and set() never goes back', () => {
  const t = new SeqTracker([{ runId: 'r', seq: 3 }]);
  t.accept('r', 4);
  // What a reconnect sends as `since`: the last seq applied.
  assert.deepEqual(t.since(), [{ runId: 'r', seq: 4 }]);
  t.set('r', 2); // a slower page query answering late must not rewind the resume point
  assert.deepEqual(t.since(), [{ runId: 'r', seq: 4 }]);
  t.set('r', 7);
  assert.equal(t.get('r'), 7);
});

test('SeqTracker counts applied and dropped events per run when named (what the browser tests read)', () => {
  const t = new SeqTracker([{ runId: 'x', seq: 10 }], 'unit-test');
  // An overlapping replay after a drop: 9 and 10 were seen, 11 and 12 are new.
  for (const seq of [9, 10, 11, 12, 12]) t.accept('x', seq);
  const stats = (globalThis as { __runboardLive?: Record<string, Record<string, LiveCounts>> }).__runboardLive;
  assert.deepEqual(stats?.['unit-test']?.x, { applied: 2, dropped: 3 });
  // Unnamed trackers publish nothing.
  new SeqTracker().accept('y', 1);
  assert.deepEqual(Object.keys(stats!), ['unit-test']);
});
