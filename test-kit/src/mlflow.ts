/** Requests as MLflow's Python client makes them (mlflow/utils/rest_utils.py): JSON bodies, GET query strings. */
export interface MlflowResponse {
  status: number;
  body: any;
}

export function mlflowClient(serverUrl: string, key?: string, basic?: { user: string; password: string }) {
  const base = serverUrl.replace(/\/graphql$/, '');
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (basic) headers.authorization = `Basic ${Buffer.from(`${basic.user}:${basic.password}`).toString('base64')}`;
  const parse = async (r: Response): Promise<MlflowResponse> => {
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
  return {
    base,
    post: async (endpoint: string, body: unknown) =>
      parse(
        await fetch(`${base}/api/2.0/mlflow/${endpoint}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      ),
    get: async (endpoint: string, query: Record<string, string | number> = {}) =>
      parse(
        await fetch(
          `${base}/api/2.0/mlflow/${endpoint}?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`,
          { headers },
        ),
      ),
    put: async (path: string, data: Buffer | string) =>
      parse(
        await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts/${path}`, {
          method: 'PUT',
          headers,
          body: typeof data === 'string' ? data : new Uint8Array(data),
        }),
      ),
    download: (path: string) => fetch(`${base}/api/2.0/mlflow-artifacts/artifacts/${path}`, { headers }),
  };
}

export type MlflowClient = ReturnType<typeof mlflowClient>;
