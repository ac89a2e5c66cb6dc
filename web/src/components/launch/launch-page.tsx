'use client';

import { useEffect, useState } from 'react';
import { Notice } from '../notice';
import { useCan } from '../session';
import { AgentDataPanel } from './agent-data';
import { RunLaunchForm } from './run-launch-form';
import { SweepLaunchForm } from './sweep-launch-form';
import { useConfigSchema } from './use-config-schema';

export type LaunchTab = 'run' | 'sweep';

/** /launch: one run or a sweep, both queued for trainer agents. The tab lives in `?tab=` for links. */
export function LaunchPage({ initialTab, initialExperiment }: { initialTab: LaunchTab; initialExperiment: string }) {
  const canLaunch = useCan('LAUNCH');
  const [tab, setTab] = useState<LaunchTab>(initialTab);
  const schema = useConfigSchema();
  useEffect(() => {
    const url = new URL(window.location.href);
    if (tab === 'sweep') url.searchParams.set('tab', 'sweep');
    else url.searchParams.delete('tab');
    if (url.href !== window.location.href) window.history.replaceState(window.history.state, '', url);
  }, [tab]);
  if (!canLaunch) {
    return (
      <section>
        <h1>Launch</h1>
        <Notice kind="info" title="Your API key cannot launch runs (it needs the LAUNCH scope)." />
      </section>
    );
  }
  return (
    <section>
      <div className="page-head">
        <h1>Launch</h1>
      </div>
      <div className="tabs" role="tablist">
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'run'}
          className={tab === 'run' ? 'tab active' : 'tab'}
          onClick={() => setTab('run')}
          data-testid="tab-run"
        >
          Run
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'sweep'}
          className={tab === 'sweep' ? 'tab active' : 'tab'}
          onClick={() => setTab('sweep')}
          data-testid="tab-sweep"
        >
          Sweep
        </button>
      </div>
      <p className="muted">
        {tab === 'run'
          ? 'Queues a run for a trainer agent. The config is validated against the trainer’s schema; nothing is queued when it is wrong.'
          : 'Generates runs from a search space over a base config and queues them, at most “parallelism” running at once.'}
      </p>
      {schema.problem && (
        <Notice title="Could not load the trainer config schema." problem={schema.problem} onRetry={schema.retry} />
      )}
      <AgentDataPanel />
      {/* Both stay mounted so switching tabs keeps what was typed. */}
      <div hidden={tab !== 'run'}>
        <RunLaunchForm schema={schema} initialExperiment={initialExperiment} />
      </div>
      <div hidden={tab !== 'sweep'}>
        <SweepLaunchForm schema={schema} initialExperiment={initialExperiment} />
      </div>
    </section>
  );
}
