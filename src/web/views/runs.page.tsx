import type { AccountDto } from '../../accounts/accounts.dto';
import type { SyncRunDto } from '../../sync/sync.dto';
import { ApiAction } from './action';
import { Clock, formatCount, localTime } from './format';
import { Layout } from './layout';

function Progress({ run }: { run: SyncRunDto }) {
  return (
    <div class="table-scroll">
      <table class="results">
        <caption class="visually-hidden">Each account's result</caption>
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col">Status</th>
            <th scope="col">Pages</th>
            <th scope="col">Fetched</th>
            <th scope="col">New</th>
            <th scope="col">Updated</th>
            <th scope="col">Unchanged</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {run.accounts.map((account) => (
            <tr key={account.screenName}>
              <th scope="row">
                <a href={`/@${account.screenName}`}>@{account.screenName}</a>
              </th>
              <td>
                {account.status}
                {account.backfill && (
                  <span class="badge">
                    backfill {formatCount(account.backfill.stored)} of at most {formatCount(account.backfill.atMost)}
                  </span>
                )}
              </td>
              <td>{formatCount(account.pages)}</td>
              <td>{formatCount(account.fetched)}</td>
              <td>{formatCount(account.inserted)}</td>
              <td>{formatCount(account.updated)}</td>
              <td>{formatCount(account.unchanged)}</td>
              <td class="error-text">{account.error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** `/runs`: the newest sync runs and each account's result; a running run's progress refreshes itself (app.js). */
export function RunsPage({ runs, accounts, clock }: { runs: SyncRunDto[]; accounts: AccountDto[]; clock: Clock }) {
  const running = runs.some((run) => run.status === 'running');
  return (
    <Layout title="Sync runs" current="/runs">
      <h1>Sync runs</h1>
      <ApiAction method="POST" path="/sync" label="Sync now" class="sync-now">
        <label for="sync-account">Accounts</label>
        <select id="sync-account" name="screenNames" data-array="true">
          <option value="">every enabled account</option>
          {accounts.map((account) => (
            <option key={account.screenName} value={account.screenName}>
              @{account.screenName}
            </option>
          ))}
        </select>
        <input id="sync-full" name="full" type="checkbox" />
        <label for="sync-full">re-read whole timelines</label>
      </ApiAction>
      <div id="runs" data-refresh={running ? '2000' : undefined}>
        {runs.length === 0 ? (
          <p class="empty">No sync has run yet.</p>
        ) : (
          <ol class="runs">
            {runs.map((run) => (
              <li key={run.id} class={`run run-${run.status}`} data-run={run.id} data-status={run.status}>
                <details open={run.status === 'running' || run === runs[0]}>
                  <summary>
                    <strong>{run.status}</strong> · {run.trigger} · started{' '}
                    <time datetime={run.startedAt}>{localTime(run.startedAt, clock)}</time>
                    {run.finishedAt && (
                      <>
                        {' '}
                        · finished <time datetime={run.finishedAt}>{localTime(run.finishedAt, clock)}</time>
                      </>
                    )}
                    {' · '}
                    {formatCount(run.accounts.reduce((sum, account) => sum + account.inserted, 0))} new
                  </summary>
                  {run.error && <p class="error-text">{run.error}</p>}
                  <Progress run={run} />
                  <p>
                    <a href={`/sync/runs/${run.id}`}>As JSON</a>
                  </p>
                </details>
              </li>
            ))}
          </ol>
        )}
      </div>
    </Layout>
  );
}
