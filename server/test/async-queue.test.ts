// A subscriber that stops reading must not make the server keep every event for it: the queue between the
// LISTEN dispatch and graphql-ws is bounded, drops what it buffered and ends with SUBSCRIBER_TOO_SLOW (the
// subscriber resumes with `since`). A reader that keeps up never sees the bound.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AsyncQueue } from '../src/pubsub/async-queue.ts';
import { MAX_BUFFERED } from '../src/pubsub/stream.ts';

test('a stalled reader: the queue holds at most maxBuffered items, then fails with the overflow error', async () => {
  let closed = 0;
  const q = new AsyncQueue<number>(
    () => closed++,
    3,
    () => new Error('too slow'),
  );
  for (let i = 0; i < 3; i++) q.push(i);
  assert.equal(q.closed, false);
  q.push(3); // the 4th unread item
  assert.equal(q.closed, true);
  assert.equal(closed, 1, 'unsubscribed from the listener');
  await assert.rejects(q.next(), /too slow/);
  q.push(4); // later notices are ignored
  await assert.rejects(q.next(), /too slow/);
});

test('a reader that keeps up passes any number of items through in order', async () => {
  const q = new AsyncQueue<number>(() => {}, 3);
  const got: number[] = [];
  for (let i = 0; i < 100; i++) {
    const next = q.next();
    q.push(i);
    if (i % 2) q.push(-i); // at most 1 buffered at a time
    got.push((await next).value as number);
    if (i % 2) got.push((await q.next()).value as number);
  }
  assert.equal(got.length, 150);
  assert.equal(q.closed, false);
  assert.ok(MAX_BUFFERED >= 100, 'the server bound leaves room for bursts');
});
