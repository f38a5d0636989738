import { esc, type Html } from './html.js';

/**
 * A bar chart as inline SVG: one bar per minute, oldest on the left, with the budget's limit as a
 * dashed line. Drawn on the server, so it needs no script and no library.
 */
export function minuteBars(title: string, values: number[], limit: number): Html {
  const w = 300;
  const h = 90;
  const top = Math.max(limit * 1.15, ...values, 1);
  const bw = w / Math.max(values.length, 1);
  const y = (v: number) => h - (v / top) * h;
  const bars = values
    .map((v, i) =>
      v > 0
        ? `<rect x="${(i * bw + 0.5).toFixed(1)}" y="${y(v).toFixed(1)}" width="${Math.max(bw - 1, 1).toFixed(1)}" height="${(h - y(v)).toFixed(1)}" fill="${v > limit ? '#b42318' : '#0b5cad'}"><title>${values.length - i} min ago: ${v}</title></rect>`
        : '',
    )
    .join('');
  const total = values.reduce((s, v) => s + v, 0);
  return `<figure class="chart"><svg viewBox="0 0 ${w} ${h + 14}" width="${w}" height="${h + 14}" role="img" aria-label="${esc(title)}">
<rect x="0" y="0" width="${w}" height="${h}" fill="#f6f8fa"/>${bars}
<line x1="0" x2="${w}" y1="${y(limit).toFixed(1)}" y2="${y(limit).toFixed(1)}" stroke="#9a6700" stroke-dasharray="4 3"/>
<text x="0" y="${h + 12}" font-size="10" fill="#5d6875">60 min ago</text><text x="${w}" y="${h + 12}" font-size="10" fill="#5d6875" text-anchor="end">now</text>
</svg><figcaption class="small muted">${esc(title)}: ${total} in the last hour; limit ${Math.round(limit * 10) / 10}/min (dashed)</figcaption></figure>`;
}
