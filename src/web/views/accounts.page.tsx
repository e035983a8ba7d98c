import type { AccountDto } from '../../accounts/accounts.dto';
import { ApiAction } from './action';
import { Clock, formatCount, localTime } from './format';
import { Layout } from './layout';

const when = (iso: string | null, clock: Clock) => (iso ? localTime(iso, clock) : 'never');

/** Pause or resume, sync now and (`removable`) remove: the account's actions with the token. */
export function AccountActions({ account, removable = false }: { account: AccountDto; removable?: boolean }) {
  const name = account.screenName;
  return (
    <div class="actions">
      <ApiAction
        method="PATCH"
        path={`/accounts/${name}`}
        body={{ enabled: !account.enabled }}
        label={account.enabled ? `Pause @${name}` : `Resume @${name}`}
      />
      <ApiAction method="POST" path="/sync" body={{ screenNames: [name] }} label={`Sync @${name} now`} />
      {removable && (
        <ApiAction
          method="DELETE"
          path={`/accounts/${name}`}
          confirm={`Remove @${name} from the list? Its stored tweets stay.`}
          label={`Remove @${name}`}
        />
      )}
    </div>
  );
}

/** `/accounts`: the accounts to sync, with their state; with the token, add, pause, remove and import. */
export function AccountsPage({ accounts, clock }: { accounts: AccountDto[]; clock: Clock }) {
  return (
    <Layout title="Accounts" current="/accounts">
      <h1>Accounts</h1>
      {accounts.length === 0 ? (
        <p class="empty">No account is in the list yet.</p>
      ) : (
        <div class="table-scroll">
          <table class="accounts">
            <caption class="visually-hidden">The accounts to sync, in the order they were added</caption>
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col">Status</th>
                <th scope="col">Syncing</th>
                <th scope="col">Last sync</th>
                <th scope="col">Last success</th>
                <th scope="col">Stored tweets</th>
                <th scope="col">Last error</th>
                <th scope="col" class="needs-token-cell">
                  Actions
                </th>
              </tr>
            </thead>
            <tbody>
              {accounts.map((account) => (
                <tr key={account.screenName} data-account={account.screenName}>
                  <th scope="row">
                    <a href={`/@${account.screenName}`}>@{account.screenName}</a>
                  </th>
                  <td>{account.status}</td>
                  <td class="enabled">{account.enabled ? 'yes' : 'paused'}</td>
                  <td>{when(account.lastRunAt, clock)}</td>
                  <td>{when(account.lastSucceededAt, clock)}</td>
                  <td>
                    {formatCount(account.storedTweets)}
                    {!account.backfill.complete && <span class="badge">backfilling</span>}
                  </td>
                  <td class="error-text">{account.lastError ?? ''}</td>
                  <td class="needs-token-cell">
                    <AccountActions account={account} removable />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <section class="needs-token" aria-labelledby="add-account" hidden>
        <h2 id="add-account">Add an account</h2>
        <ApiAction method="POST" path="/accounts" label="Add">
          <label for="new-screen-name">Screen name</label>
          <input id="new-screen-name" name="screenName" required pattern="[A-Za-z0-9_]{1,15}" />
          <input id="new-sync-now" name="syncNow" type="checkbox" checked />
          <label for="new-sync-now">sync it now</label>
        </ApiAction>
        <h2 id="import-archive">Import an X archive</h2>
        <ApiAction method="POST" path="/imports" upload label="Upload and import">
          <label for="archive-file">The archive's zip, as X lets an account download it</label>
          <input id="archive-file" name="archive" type="file" accept=".zip,application/zip" required />
        </ApiAction>
      </section>
    </Layout>
  );
}
