/** One figure of bench/results.md's table. */
export interface Row {
  figure: string;
  bilby: string;
  ceiling: string;
  ratio: string;
  target: string;
  met: boolean | null;
  notes: string;
}
