/**
 * GraphQL over HTTP as a given API key, and keys made by an ADMIN key: for tests that act as several callers at once
 * (authorization, agent ownership).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

export interface KeyedResponse {
  status: number;
  body: { data?: any; errors?: any[] };
}

export interface KeyedApi {
  /** The whole answer, errors included. */
  call(key: string, query: string, variables?: Record<string, unknown>): Promise<KeyedResponse>;
  /** The data; fails the test on any GraphQL error. */
  ok(key: string, query: string, variables?: Record<string, unknown>): Promise<any>;
  /** A new key with these scopes (and, optionally, limited to these experiment ids). */
  createKey(scopes: string[], experiments?: string[]): Promise<string>;
}

/** `url` is read per call, so the API can be made before the server has started. */
export function keyedApi(url: () => string, adminKey: string): KeyedApi {
  const call = async (key: string, query: string, variables?: Record<string, unknown>) => {
    const res = await fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: (await res.json()) as KeyedResponse['body'] };
  };
  const ok = async (key: string, query: string, variables?: Record<string, unknown>) => {
    const r = await call(key, query, variables);
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    return r.body.data;
  };
  const createKey = async (scopes: string[], experiments?: string[]) => {
    const data = await ok(adminKey, `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }`, {
      input: { name: `k-${randomUUID().slice(0, 8)}`, scopes, experiments },
    });
    return data.createApiKey.key as string;
  };
  return { call, ok, createKey };
}
