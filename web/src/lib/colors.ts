/** Tableau-like palette for the first runs, then golden-angle hues so 100+ runs stay distinguishable. */
const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

export function runColor(index: number): string {
  if (index < PALETTE.length) return PALETTE[index]!;
  const hue = (index * 137.508) % 360;
  return `hsl(${hue.toFixed(1)}, 65%, ${index % 2 ? 40 : 52}%)`;
}
