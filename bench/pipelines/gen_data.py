"""Deterministic data for the pipeline benchmarks (numpy only, fixed seed).

    python gen_data.py --out DIR [--text-mb 200] [--rows 10000000] [--seed 2026]

Writes into DIR:
- words.txt      ASCII text, about --text-mb MB (10^6 bytes). Lines of 5-20 words separated by single
                 spaces; words drawn from a Zipf(s=1) law over a vocabulary of 1,000,000 distinct
                 lowercase words (common words are short). About 15% of tokens are Capitalised, UPPER
                 or mIxEd case, and a few carry a trailing ',' or '.' (so "word," is its own token:
                 tokens are split on whitespace only). ASCII only, so ASCII and Unicode lowercasing agree.
- cities.csv     header location,state,rating,price; --rows rows. 1000 locations (each in one of 51
                 states, "CA" among them), drawn with mild Zipf(0.5) skew; rating an int 1..10; price
                 a log-normal amount with exactly 2 decimals.
- locations.csv  header location,population: 950 of the 1000 locations plus 60 that are not in
                 cities.csv, so a right join of cities with it has 60 unmatched rows.
- manifest.json  the parameters and file sizes (run.sh regenerates when they differ).
"""
import argparse
import json
import os
import time

import numpy as np

VOCAB = 1_000_000
LOCATIONS = 1000
STATES = ("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
          "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY").split()
# English letter frequencies (percent), a..z.
LETTER_FREQ = [8.2, 1.5, 2.8, 4.3, 12.7, 2.2, 2.0, 6.1, 7.0, 0.15, 0.77, 4.0, 2.4,
               6.7, 7.5, 1.9, 0.095, 6.0, 6.3, 9.1, 2.8, 0.98, 2.4, 0.15, 2.0, 0.074]


class Table:
    """A list of byte strings packed for vectorised gathers: flat bytes, offsets, lengths."""

    def __init__(self, items):
        self.lens = np.array([len(s) for s in items], dtype=np.int64)
        self.offs = np.concatenate(([0], np.cumsum(self.lens)[:-1])).astype(np.int64)
        self.flat = np.frombuffer(b"".join(items), dtype=np.uint8)


def concat_rows(pieces):
    """Row i of the output is the concatenation of table_k[codes_k[i]] over the pieces (table, codes).
    Returns (bytes as a uint8 array, start of each piece in each row)."""
    widths = [t.lens[c] for t, c in pieces]
    row_len = np.sum(widths, axis=0)
    out = np.empty(int(row_len.sum()), dtype=np.uint8)
    pos = np.concatenate(([0], np.cumsum(row_len)[:-1])).astype(np.int64)
    starts = []
    for (table, codes), width in zip(pieces, widths):
        starts.append(pos.copy())
        src = table.offs[codes]
        for j in range(int(table.lens.max())):  # byte j of every row whose field is longer than j
            rows = np.nonzero(width > j)[0]
            out[pos[rows] + j] = table.flat[src[rows] + j]
        pos += width
    return out, starts


def make_vocabulary(rng):
    """VOCAB distinct random lowercase words; the word of Zipf rank r has mean length ~3 + 0.45 log2 r."""
    p = np.array(LETTER_FREQ) / sum(LETTER_FREQ)
    words, seen = [], set()
    rank = 0
    while len(words) < VOCAB:
        n = VOCAB - len(words) + 1000
        ranks = np.arange(rank, rank + n)
        lens = np.clip(rng.poisson(1.5 + 0.45 * np.log2(ranks + 1)) + 1, 1, 20)
        letters = (rng.choice(26, size=int(lens.sum()), p=p) + ord("a")).astype(np.uint8).tobytes()
        ends = np.cumsum(lens)
        for start, end in zip(ends - lens, ends):
            w = letters[start:end]
            if w not in seen:
                seen.add(w)
                words.append(w)
        rank += n
    return words[:VOCAB]


def write_text(path, target_bytes, rng):
    words = make_vocabulary(rng)
    vocab = Table(words)
    cdf = np.cumsum(1.0 / np.arange(1, VOCAB + 1))
    cdf /= cdf[-1]
    punct = Table([b"", b",", b"."])
    sep = Table([b" ", b"\n"])
    written = 0
    with open(path, "wb") as f:
        while written < target_bytes:
            line_lens = rng.integers(5, 21, size=200_000)
            n = int(line_lens.sum())
            ids = np.minimum(np.searchsorted(cdf, rng.random(n)), VOCAB - 1)
            last = np.zeros(n, dtype=np.int64)
            last[np.cumsum(line_lens) - 1] = 1  # this token ends its line
            first = np.roll(last, 1).astype(bool)
            mark = rng.random(n)
            pcode = np.where(mark < 0.02, 1, 0)  # a comma on 2% of tokens,
            pcode[(last == 1) & (mark > 0.5)] = 2  # a full stop on half of the line ends
            out, (wstart, _, _) = concat_rows([(vocab, ids), (punct, pcode), (sep, last)])
            # Case variants: Capitalised (line starts and 10% of tokens), UPPER 3%, mIxEd 2%.
            wlen = vocab.lens[ids]
            case = rng.random(n)
            cap = first | (case < 0.10)
            upper = (case >= 0.10) & (case < 0.13)
            mixed = (case >= 0.13) & (case < 0.15)
            out[wstart[cap & ~upper & ~mixed]] -= 32
            for j in range(int(wlen.max())):
                sel = (upper | (mixed & (j % 2 == 1))) & (wlen > j)
                out[wstart[sel] + j] -= 32
            data = out.tobytes()
            if written + len(data) > target_bytes:  # stop at the last line end before the target
                data = data[: data.rfind(b"\n", 0, target_bytes - written) + 1] or data[: data.find(b"\n") + 1]
            f.write(data)
            written += len(data)
    return written


def location_names(rng, n):
    """n distinct place-like names (ASCII letters, some with a space), e.g. 'Norbridge', 'East Talmont'."""
    heads = ["Nor", "Sal", "Bel", "Fair", "Green", "Ash", "Cal", "Mar", "Win", "Oak", "Ros", "Bran",
             "Lin", "Mill", "Tal", "Kel", "Ver", "Har", "Glen", "Stan", "Dun", "Wes", "Carr", "Hol"]
    tails = ["bridge", "ton", "ville", "field", "ford", "burg", "wood", "dale", "mont", "port",
             "haven", "view", "side", "brook", "ridge", "stead", "wick", "mouth", "land", "by"]
    prefixes = ["", "", "", "", "East ", "West ", "North ", "South ", "New ", "Port "]
    names, seen = [], set()
    while len(names) < n:
        name = (prefixes[rng.integers(len(prefixes))] + heads[rng.integers(len(heads))]
                + tails[rng.integers(len(tails))])
        if name in seen:
            name += f" {rng.integers(2, 99)}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def write_csv(big_path, small_path, rows, rng):
    names = location_names(rng, LOCATIONS + 60)
    locs, extra = names[:LOCATIONS], names[LOCATIONS:]
    loc_state = rng.integers(len(STATES), size=LOCATIONS)
    weights = 1.0 / np.sqrt(np.arange(1, LOCATIONS + 1))
    cdf = np.cumsum(weights) / weights.sum()
    loc_table = Table([(n + "," + STATES[s] + ",").encode() for n, s in zip(locs, loc_state)])
    rating_table = Table([f"{r},".encode() for r in range(11)])
    cents_table = Table([f".{c:02d}\n".encode() for c in range(100)])
    with open(big_path, "wb") as f:
        f.write(b"location,state,rating,price\n")
        chunk = 1_000_000
        for begin in range(0, rows, chunk):
            n = min(chunk, rows - begin)
            loc = np.minimum(np.searchsorted(cdf, rng.random(n)), LOCATIONS - 1)
            rating = rng.integers(1, 11, size=n)
            price = np.exp(rng.normal(np.log(80.0), 0.8, size=n))
            cents = np.clip(np.rint(price * 100), 100, 9_999_999).astype(np.int64)
            dollars = cents // 100
            dollar_table = Table([str(d).encode() for d in range(int(dollars.max()) + 1)])
            out, _ = concat_rows([(loc_table, loc), (rating_table, rating), (dollar_table, dollars),
                                  (cents_table, cents % 100)])
            f.write(out.tobytes())
    # The small side: drop 50 locations, add 60 unknown ones, shuffle.
    kept = [locs[i] for i in sorted(rng.choice(LOCATIONS, size=LOCATIONS - 50, replace=False))]
    small = kept + extra
    order = rng.permutation(len(small))
    population = rng.integers(1_000, 5_000_000, size=len(small))
    with open(small_path, "w") as f:
        f.write("location,population\n")
        for i in order:
            f.write(f"{small[i]},{population[i]}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--text-mb", type=float, default=200)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    t0 = time.perf_counter()
    text_bytes = write_text(os.path.join(args.out, "words.txt"), int(args.text_mb * 1e6),
                            np.random.default_rng(args.seed))
    t1 = time.perf_counter()
    write_csv(os.path.join(args.out, "cities.csv"), os.path.join(args.out, "locations.csv"), args.rows,
              np.random.default_rng(args.seed + 1))
    t2 = time.perf_counter()
    manifest = {"text_mb": args.text_mb, "rows": args.rows, "seed": args.seed, "words_txt_bytes": text_bytes,
                "cities_csv_bytes": os.path.getsize(os.path.join(args.out, "cities.csv"))}
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    print(f"gen_data: words.txt {text_bytes / 1e6:.1f} MB in {t1 - t0:.1f} s, cities.csv {args.rows:,} rows "
          f"in {t2 - t1:.1f} s -> {args.out}")


if __name__ == "__main__":
    main()
