/**
 * Rarest first: the new piece a wire peer is asked for (Picker.pickBlocks) is the one the
 * fewest connected peers have, so rare pieces spread before their holders leave; ties are
 * broken by the torrent's seeded random source (reservoir sampling, each tie equally
 * likely), so readers spread over the file.
 */

/**
 * Of the pieces from `from` on that are `candidate`s, one of those with the lowest
 * `availability` (connected peers that have each piece); null when there is none.
 */
export function rarestFirst(
  availability: Uint16Array,
  from: number,
  candidate: (i: number) => boolean,
  random: () => number,
): number | null {
  let best = -1;
  let bestAvail = Infinity;
  let ties = 0;
  for (let i = from; i < availability.length; i++) {
    if (!candidate(i)) continue;
    const a = availability[i]!;
    if (a < bestAvail) {
      best = i;
      bestAvail = a;
      ties = 1;
    } else if (a === bestAvail && random() * ++ties < 1) {
      best = i;
    }
  }
  return best >= 0 ? best : null;
}
