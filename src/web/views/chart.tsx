/**
 * A chart drawn by app.js (uPlot) from the table it holds: the numbers are the page's, readable
 * without JavaScript and by a screen reader. The first column is the x axis (a date or a month).
 */
export interface ChartRow {
  x: number;
  label: string;
  values: (number | null)[];
}

const NUMBER = new Intl.NumberFormat('en-US');

export function Chart(props: {
  id: string;
  title: string;
  kind: 'line' | 'bars';
  /** the x axis's name, then each series' */
  columns: string[];
  /** x: seconds since 1970 for a line, the position for bars */
  rows: ChartRow[];
}) {
  if (props.rows.length === 0) {
    return (
      <figure class="chart" id={props.id}>
        <figcaption>{props.title}</figcaption>
        <p class="empty">Nothing stored yet.</p>
      </figure>
    );
  }
  return (
    <figure class="chart" id={props.id} data-chart={props.kind}>
      <figcaption>{props.title}</figcaption>
      <div class="plot" aria-hidden="true"></div>
      <details>
        <summary>The numbers</summary>
        <table class="numbers">
          <thead>
            <tr>
              {props.columns.map((column) => (
                <th scope="col" key={column}>
                  {column}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.rows.map((row, index) => (
              <tr key={index}>
                <th scope="row" data-x={row.x}>
                  {row.label}
                </th>
                {row.values.map((value, column) => (
                  <td key={column} data-value={value ?? ''}>
                    {value === null ? '–' : NUMBER.format(value)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
