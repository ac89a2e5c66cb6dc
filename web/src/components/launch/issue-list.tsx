import type { Issue } from '@/lib/issues';

/** The server's problems for one part of a launch form, each with its path so it can be found in the JSON. */
export function IssueList({ issues, testId = 'launch-issues' }: { issues: Issue[]; testId?: string }) {
  if (!issues.length) return null;
  return (
    <ul className="issues" data-testid={testId} role="alert">
      {issues.map((i) => (
        <li key={`${i.path}\u0000${i.message}`} data-testid="issue" data-path={i.path}>
          {i.path && <code>{i.path}</code>} {i.message}
          {i.runs && (
            <span className="muted">
              {' '}
              (run{i.runs.length > 1 ? 's' : ''} {summarise(i.runs)})
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

function summarise(runs: number[]): string {
  return runs.length > 6 ? `${runs.slice(0, 5).join(', ')} and ${runs.length - 5} more` : runs.join(', ');
}
