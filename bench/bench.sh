#!/bin/sh
# make bench: speed and memory of the command-line jobs on generated audio.
# Numbers are the best of 3 runs, on one core unless -j says otherwise.
set -eu
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
echo "input: generated stereo 44.1 kHz 24-bit music, 240 s and 3600 s"
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
"$BUILD/mm-bench" "master 240 s to the 30 s corpus reference" 240 3 -- $MM master -q "$DATA/music-240.wav" --reference "$DATA/song/mix.wav" -o "$DATA/master.wav"
"$BUILD/mm-bench" "master 240 s to a 240 s reference" 240 3 -- $MM master -q "$DATA/music-240.wav" --reference "$DATA/ref-240.wav" -o "$DATA/master.wav"
"$BUILD/mm-bench" "master 240 s to spotify (limiter working)" 240 3 -- $MM master -q "$DATA/music-240.wav" --preset spotify -o "$DATA/master.wav"
"$BUILD/mm-bench" "master 3600 s to spotify (memory must stay flat)" 3600 1 -- $MM master -q "$DATA/music-3600.wav" --preset spotify -o "$DATA/master.wav"
rm -f "$DATA/master.wav"
