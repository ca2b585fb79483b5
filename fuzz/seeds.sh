#!/bin/sh
# fuzz/seeds.sh TARGET DIR: write the seed corpus of one fuzz target into
# DIR, generated from the project's own corpus (mm-corpus) or by hand, so
# that no binary seed is kept in git. A target without a case here starts
# from the text seeds in fuzz/seeds/TARGET/ if that folder exists, else
# from an empty corpus.
set -eu
target=$1
out=$2
BUILD=${BUILD:-build}
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
mkdir -p "$out"
case "$target" in
fuzz_audio)
    # one second of the demo song at 8 kHz: small seeds, every stem audible
    song=$FUZZ_BUILD/seed-song
    [ -f "$song/mix.wav" ] || "$BUILD/mm-corpus" song "$song" --seconds 1 --rate 8000 >/dev/null
    "$FUZZ_BUILD/mm-seedgen" "$song/mix.wav" "$out" >/dev/null
    ;;
fuzz_check_config)
    # every threshold key in both spellings, plus the shapes the reader accepts
    "$BUILD/mixmaster" check --list-thresholds | awk 'NR > 1 { printf "{\"%s\": %s}\n", $1, $2 }' > "$out/flat-all.json.txt"
    i=0
    while read -r line; do
        i=$((i + 1)); printf '%s' "$line" > "$out/flat-$i.json"
    done < "$out/flat-all.json.txt"
    rm -f "$out/flat-all.json.txt"
    printf '{"true_peak": {"ceiling_dbtp": -2}, "dynamics": {"min_psr_db": 7}}' > "$out/grouped.json"
    printf '{"checks": {"headroom.min_dbfs": -6, "level": {"min_lufs": -30}}}' > "$out/checks.json"
    printf '{"true_peak.ceiling_dbtp": "loud"}' > "$out/string-value.json"
    printf '[1, 2, 3]' > "$out/array.json"
    printf '{"a": {"b": {"c": [1e308, -1e308, 1e-308]}}}' > "$out/nested.json"
    printf '{"true_peak.ceiling_dbtp": -2' > "$out/unterminated.json"
    ;;
fuzz_cmdline)
    # first byte: 0 analyze, 1 check; then NUL-separated arguments
    a() { printf "$1" > "$out/$2"; }
    a '\000-j\0002\000--format\000jsonl\000a.wav\000b.wav' analyze-batch
    a '\000--true-peak=8\000--dual-mono\000--no-series\000-o\000r.json\000x.flac' analyze-options
    a '\000-o\000x.wav\000x.wav' analyze-self
    a '\000--format=xml\000--jobs\000999\000-h' analyze-bad
    a '\001--stage\000master\000--preset\000spotify\000--strict\000m.wav' check-master
    a '\001--set\000true_peak.ceiling_dbtp=-2\000--set=check.dynamics.min_psr_db=7\000--codec-seconds\0005\000m.wav' check-set
    a '\001--list-presets\000--list-thresholds' check-lists
    a '\001--config\000/nonexistent.json\000--reference\000r.wav\000--no-codec\000--no-translation\000m.wav' check-config
    ;;
fuzz_master_plan|fuzz_automix_plan)
    # plans the commands write for the demo song (2 s at 8 kHz), for a preset
    # and for the song's own mix as the reference
    song=$FUZZ_BUILD/seed-plan-song
    [ -f "$song/mix.wav" ] || "$BUILD/mm-corpus" song "$song" --seconds 2 --rate 8000 >/dev/null
    if [ "$target" = fuzz_master_plan ]; then
        "$BUILD/mixmaster" master -q "$song/mix.wav" --preset spotify -o "$out/m.wav" --plan-out "$out/spotify.json" >/dev/null
        "$BUILD/mixmaster" master -q "$song/flawed/too_quiet.wav" --reference "$song/mix.wav" -o "$out/m.wav" \
            --plan-out "$out/reference.json" >/dev/null
    else
        "$BUILD/mixmaster" automix "$song/stems" -o "$out/m.wav" --plan-out "$out/plan.json" >/dev/null
    fi
    rm -f "$out/m.wav"
    ;;
fuzz_release)
    # the demo's album, a CD-aligned one with trims and gains, and edges
    cat >"$out/demo.json" <<'JSON'
{ "title": "Corpus", "artist": "The Generated", "year": 2026, "genre": "Demo", "upc": "036000291452",
  "tracks": [
    { "file": "a.wav", "title": "First Light", "isrc": "XX-MM0-26-00001", "fade_in_s": 0.5, "fade_out_s": 3,
      "fade_curve": "equal-power" },
    { "file": "b.wav", "title": "Second Wind", "isrc": "XX-MM0-26-00002", "gap_before_s": 1.5, "fade_out_s": 4,
      "fade_curve": "s-curve" },
    { "file": "c.wav", "title": "Third Time", "artist": "Guest", "isrc": "XXMM02600003", "crossfade_s": 2,
      "fade_in_s": 2, "fade_out_s": 5, "fade_curve": "log", "trim": "auto" } ] }
JSON
    cat >"$out/cd.json" <<'JSON'
{ "title": "Sectors", "artist": "A", "tracks": [
    { "file": "a.wav", "title": "One", "trim": {"start_s": 0.25, "end_s": 1.1}, "gain_db": -1.5 },
    { "file": "b.wav", "title": "Two", "gap_before_s": 0, "target_lufs": -14, "fade_curve": "linear",
      "fade_out_s": 29 } ] }
JSON
    printf '{"title": "x", "artist": "y", "tracks": []}' >"$out/empty.json"
    printf '{"title": "x", "artist": "y", "tracks": [{"file": "a", "title": "t", "crossfade_s": 1}]}' >"$out/bad.json"
    ;;
*)
    if [ -d "fuzz/seeds/$target" ]; then cp "fuzz/seeds/$target"/* "$out"/ 2>/dev/null || true; fi
    ;;
esac
