import type { ScheduleEntryDto } from '../../tasks/schedule.dto';
import { ApiAction } from './action';
import { Clock, localTime } from './format';
import { Layout } from './layout';

/** `/schedules`: the beat's entries in words, next and last run; with the token, enable, disable, edit, run now. */
export function SchedulesPage(props: { entries: ScheduleEntryDto[]; schedulerEnabled: boolean; clock: Clock }) {
  return (
    <Layout title="Schedules" current="/schedules">
      <h1>Schedules</h1>
      {!props.schedulerEnabled && (
        <p class="notice" role="note">
          The beat is off on this replica (SCHEDULER_ENABLED=false): entries run only when asked.
        </p>
      )}
      <div class="table-scroll">
        <table class="schedules">
          <caption class="visually-hidden">The schedule entries, times in {props.clock.timeZone}</caption>
          <thead>
            <tr>
              <th scope="col">Entry</th>
              <th scope="col">Task</th>
              <th scope="col">Schedule</th>
              <th scope="col">Enabled</th>
              <th scope="col">Next run</th>
              <th scope="col">Last run</th>
              <th scope="col">Runs</th>
              <th scope="col" class="needs-token-cell">
                Actions
              </th>
            </tr>
          </thead>
          <tbody>
            {props.entries.map((entry) => (
              <tr key={entry.name} data-entry={entry.name}>
                <th scope="row">{entry.name}</th>
                <td>{entry.task}</td>
                <td>
                  {entry.schedule.description}{' '}
                  <code>{entry.schedule.cron ?? `every ${entry.schedule.intervalSeconds} s`}</code>
                </td>
                <td class="enabled">{entry.enabled ? 'yes' : 'no'}</td>
                <td>{entry.nextRunAt ? localTime(entry.nextRunAt, props.clock) : '–'}</td>
                <td>
                  {entry.lastRunAt ? `${localTime(entry.lastRunAt, props.clock)}: ${entry.lastStatus ?? ''}` : 'never'}
                  {entry.lastResult !== null && (
                    <details>
                      <summary>result</summary>
                      <pre>{JSON.stringify(entry.lastResult, null, 2)}</pre>
                    </details>
                  )}
                </td>
                <td>
                  {entry.runCount} run, {entry.skippedCount} skipped
                </td>
                <td class="needs-token-cell">
                  <div class="actions">
                    <ApiAction
                      method="PATCH"
                      path={`/schedules/${entry.name}`}
                      body={{ enabled: !entry.enabled }}
                      label={entry.enabled ? `Disable ${entry.name}` : `Enable ${entry.name}`}
                    />
                    <ApiAction method="POST" path={`/schedules/${entry.name}/run`} label={`Run ${entry.name} now`} />
                    <ApiAction method="PATCH" path={`/schedules/${entry.name}`} label="Set">
                      <label for={`cron-${entry.name}`}>Cron of {entry.name}</label>
                      <input
                        id={`cron-${entry.name}`}
                        name="cron"
                        value={entry.schedule.cron ?? ''}
                        placeholder="*/10 * * * *"
                        required
                      />
                    </ApiAction>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Layout>
  );
}
