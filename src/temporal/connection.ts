/**
 * Where Temporal is. `TEMPORAL_ADDRESS` (and the other TEMPORAL_* variables) or a Temporal client
 * config profile (TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE, the same files the `temporal` CLI reads)
 * select an existing server; otherwise mlcd uses the local dev server that `mlcd dev` starts.
 */
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';

export const LOCAL_TEMPORAL_ADDRESS = '127.0.0.1:7233';
export const LOCAL_UI_URL = 'http://127.0.0.1:8233';

export interface TemporalTarget {
  connection: NativeConnectionOptions;
  namespace: string;
  /** True when no address was configured: the local dev server is ours to start. */
  local: boolean;
  /** Web UI base URL when known. */
  uiUrl?: string;
}

/** Resolves the Temporal server to use from the environment and the client config file. */
export function resolveTemporalTarget(env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  let loaded: ReturnType<typeof loadClientConnectConfig> | undefined;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)) });
  } catch (err) {
    throw new Error(`cannot read the Temporal client configuration: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const address = loaded.connectionOptions.address;
  if (address) {
    return {
      connection: loaded.connectionOptions,
      namespace: loaded.namespace ?? 'default',
      local: false,
      uiUrl: env.MLCD_TEMPORAL_UI_URL,
    };
  }
  return {
    connection: { ...loaded.connectionOptions, address: LOCAL_TEMPORAL_ADDRESS },
    namespace: loaded.namespace ?? 'default',
    local: true,
    uiUrl: env.MLCD_TEMPORAL_UI_URL ?? LOCAL_UI_URL,
  };
}

/** A client for the resolved target; the caller closes `connection`. */
export async function connectClient(target: TemporalTarget = resolveTemporalTarget()): Promise<{ client: Client; connection: Connection }> {
  const { address, tls, apiKey, metadata } = target.connection;
  const connection = await Connection.connect({ address, tls, apiKey, metadata, connectTimeout: '5s' });
  return { client: new Client({ connection, namespace: target.namespace }), connection };
}

/** Link to a workflow in the Web UI. */
export function workflowUrl(target: TemporalTarget, workflowId: string, runId?: string): string | undefined {
  if (!target.uiUrl) return undefined;
  const base = `${target.uiUrl}/namespaces/${encodeURIComponent(target.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${runId}/history` : base;
}
