#!/bin/sh
# make bench: speed and memory of the command-line jobs on generated audio.
# Numbers are the best of 3 runs, on one core unless -j says otherwise.
# BENCH_LONG=0 skips the 3-hour file (2.9 GB, about two minutes to make).
set -eu
BENCH_LONG=${BENCH_LONG:-1}
BUILD=${BUILD:-build}
MM=$BUILD/mixmaster
DATA=$BUILD/bench-data
mkdir -p "$DATA"
for s in 240 3600; do
    [ -f "$DATA/music-$s.wav" ] || "$BUILD/mm-corpus" bench "$DATA/music-$s.wav" --seconds "$s" >/dev/null
done
echo "mixmaster bench ($(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'))"
echo "input: generated stereo 44.1 kHz 24-bit music, 240 s, 3600 s, 40 x 60 s and 10800 s"
"$BUILD/mm-bench" "analyze 240 s (4x true peak, spectra)" 240 3 -- $MM analyze --format json "$DATA/music-240.wav"
"$BUILD/mm-bench" "analyze 240 s, 8x true peak" 240 3 -- $MM analyze --true-peak 8 --format json "$DATA/music-240.wav"
"$BUILD/mm-bench" "analyze 3600 s (memory must stay flat)" 3600 1 -- $MM analyze --format json "$DATA/music-3600.wav"
"$BUILD/mm-bench" "analyze 4 x 240 s, -j 1" 960 3 -- $MM analyze -j 1 --format json "$DATA/music-240.wav" "$DATA/music-240.wav" "$DATA/music-240.wav" "$DATA/music-240.wav"
"$BUILD/mm-bench" "analyze 4 x 240 s, -j 2" 960 3 -- $MM analyze -j 2 --format json "$DATA/music-240.wav" "$DATA/music-240.wav" "$DATA/music-240.wav" "$DATA/music-240.wav"

# A catalogue: 40 different files of 60 s (seeds 1..40), one thread and two.
mkdir -p "$DATA/batch"
i=1
while [ $i -le 40 ]; do
    f=$DATA/batch/song-$i.wav
    [ -f "$f" ] || "$BUILD/mm-corpus" bench "$f" --seconds 60 --seed $i >/dev/null
    i=$((i + 1))
done
j1=$("$BUILD/mm-bench" "analyze 40 x 60 s, -j 1" 2400 3 -- $MM analyze -j 1 --format jsonl "$DATA"/batch/song-*.wav)
j2=$("$BUILD/mm-bench" "analyze 40 x 60 s, -j 2" 2400 3 -- $MM analyze -j 2 --format jsonl "$DATA"/batch/song-*.wav)
echo "$j1"
echo "$j2"
printf '%s\n%s\n' "$j1" "$j2" | awk '{ for (i = 1; i < NF; i++) if ($(i + 1) == "s") t[NR] = $i }
    END { printf "%-44s %8.2fx the single-thread throughput (%d cores)\n", "  -j 2 over -j 1", t[1] / t[2], '"$(nproc)"' }'

"$BUILD/mm-bench" "check 240 s (translation, 20 s codec round trips)" 240 3 -- $MM check --format json "$DATA/music-240.wav"
"$BUILD/mm-bench" "check 240 s, --no-codec" 240 3 -- $MM check --no-codec --format json "$DATA/music-240.wav"

# Memory must not grow with length: a 3-hour file against the 240 s one.
if [ "$BENCH_LONG" != 0 ]; then
    [ -f "$DATA/music-10800.wav" ] || "$BUILD/mm-corpus" bench "$DATA/music-10800.wav" --seconds 10800 >/dev/null
    short=$("$BUILD/mm-bench" "analyze 240 s" 240 1 -- $MM analyze --format json "$DATA/music-240.wav")
    long=$("$BUILD/mm-bench" "analyze 10800 s (3 hours)" 10800 1 -- $MM analyze --format json "$DATA/music-10800.wav")
    echo "$long"
    printf '%s\n%s\n' "$short" "$long" | awk '{ rss[NR] = $(NF - 1) }
        END { printf "%-44s %+8.1f MB peak RSS (3 hours vs 240 s)\n", "  memory growth", rss[2] - rss[1];
              if (rss[2] > rss[1] + 4) { print "bench: analysis memory grows with length" > "/dev/stderr"; exit 1 } }'
fi
