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
# references for mastering: the 30 s corpus song and another 240 s mix (seed 2)
[ -f "$DATA/song/mix.wav" ] || "$BUILD/mm-corpus" song "$DATA/song" >/dev/null
[ -f "$DATA/ref-240.wav" ] || "$BUILD/mm-corpus" bench "$DATA/ref-240.wav" --seconds 240 --seed 2 >/dev/null
echo "mixmaster bench ($(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'))"
echo "input: generated stereo 44.1 kHz 24-bit music, 240 s, 3600 s, 40 x 60 s and 10800 s"
"$BUILD/mm-bench" "analyze 240 s (4x true peak, spectra)" 240 3 -- $MM analyze --format json "$DATA/music-240.wav"
"$BUILD/mm-bench" "analyze 240 s, 8x true peak" 240 3 -- $MM analyze --true-peak 8 --format json "$DATA/music-240.wav"
"$BUILD/mm-bench" "analyze 3600 s (memory must stay flat)" 3600 1 -- $MM analyze --format json "$DATA/music-3600.wav"
"$BUILD/mm-bench" "analyze 4 x 240 s, -j 1" 960 3 -- $MM analyze -j 1 --format json "$DATA/music-240.wav" "$DATA/music-240.wav" "$DATA/music-240.wav" "$DATA/music-240.wav"
"$BUILD/mm-bench" "analyze 4 x 240 s, -j 2" 960 3 -- $MM analyze -j 2 --format json "$DATA/music-240.wav" "$DATA/music-240.wav" "$DATA/music-240.wav" "$DATA/music-240.wav"
# automix: 8 stereo stems (the corpus song's seven, processed to stereo by
# automix itself, plus a second lead), 240 s; and 60 s to show that memory
# does not grow with length.
for s in 60 240; do
    st="$DATA/stems8-$s"
    if [ ! -f "$st/lead2.wav" ]; then
        "$BUILD/mm-corpus" song "$DATA/song-$s" --seconds "$s" >/dev/null
        $MM automix "$DATA/song-$s/stems" -o "$DATA/song-$s/automix.wav" --stems-out "$st" >/dev/null
        cp "$st/lead.wav" "$st/lead2.wav"
    fi
done
"$BUILD/mm-bench" "automix 8 stereo stems x 240 s, -j 1" 240 3 -- $MM automix -j 1 "$DATA/stems8-240" -o "$DATA/automix-240.wav"
"$BUILD/mm-bench" "automix 8 stereo stems x 240 s, -j 2" 240 3 -- $MM automix -j 2 "$DATA/stems8-240" -o "$DATA/automix-240.wav"
"$BUILD/mm-bench" "automix 8 stereo stems x 60 s, -j 1 (memory)" 60 1 -- $MM automix -j 1 "$DATA/stems8-60" -o "$DATA/automix-60.wav"
"$BUILD/mm-bench" "automix 8 x 240 s with --report and --stems-out" 240 1 -- $MM automix -j 1 "$DATA/stems8-240" -o "$DATA/automix-240.wav" --report "$DATA/automix-240.json" --stems-out "$DATA/automix-240-stems"
"$BUILD/mm-bench" "check 240 s (translation, 20 s codec round trips)" 240 3 -- $MM check --format json "$DATA/music-240.wav"
"$BUILD/mm-bench" "check 240 s, --no-codec" 240 3 -- $MM check --no-codec --format json "$DATA/music-240.wav"
set -- "$DATA/music-240.wav"
ten="$1 $1 $1 $1 $1 $1 $1 $1 $1 $1"
"$BUILD/mm-bench" "album of 10 x 240 s, -j 2, with plots" 2400 3 -- $MM album -j 2 --report-dir "$DATA/album-report" $ten
# mastering: analysis of mix and reference, match EQ (8192-tap FIR by FFT),
# compressor when asked for, 8x true-peak limiter, dither, 24-bit write,
# analysis of the result (the probe pass runs only when the limiter works)
# a release of the same ten tracks: pre-delivery check, album gains,
# limiter, fades, FLAC with tags, CUE sheets, manifest with SHA-256
rel="$DATA/release"
mkdir -p "$rel"
{
    printf '{ "title": "Bench", "artist": "mixmaster", "tracks": [\n'
    k=1
    while [ $k -le 10 ]; do
        sep=,; [ $k -eq 10 ] && sep=
        printf '  { "file": "../music-240.wav", "title": "Track %d", "fade_out_s": 3 }%s\n' $k "$sep"
        k=$((k + 1))
    done
    printf '] }\n'
} >"$rel/release.json"
rm -rf "$rel/out"
"$BUILD/mm-bench" "release of 10 x 240 s to FLAC (check gate)" 2400 1 -- $MM release -q --force "$rel/release.json" -o "$rel/out" --format flac
rm -rf "$rel/out"
"$BUILD/mm-bench" "master 240 s to the 30 s corpus reference" 240 3 -- $MM master -q "$DATA/music-240.wav" --reference "$DATA/song/mix.wav" -o "$DATA/master.wav"
"$BUILD/mm-bench" "master 240 s to a 240 s reference" 240 3 -- $MM master -q "$DATA/music-240.wav" --reference "$DATA/ref-240.wav" -o "$DATA/master.wav"
[ -f "$DATA/ref-240-loud.wav" ] || $MM master -q "$DATA/ref-240.wav" --preset spotify -o "$DATA/ref-240-loud.wav"
"$BUILD/mm-bench" "master 240 s to a loud reference (compressor, limiter working)" 240 3 -- $MM master -q "$DATA/music-240.wav" --reference "$DATA/ref-240-loud.wav" -o "$DATA/master.wav"
"$BUILD/mm-bench" "master 240 s to spotify (limiter working)" 240 3 -- $MM master -q "$DATA/music-240.wav" --preset spotify -o "$DATA/master.wav"
"$BUILD/mm-bench" "master 3600 s to spotify (memory must stay flat)" 3600 1 -- $MM master -q "$DATA/music-3600.wav" --preset spotify -o "$DATA/master.wav"
rm -f "$DATA/master.wav"

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
