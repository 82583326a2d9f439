"""The voice-cost benchmark's pure parts: the phrases it makes the voices say, piper's
quality presets it builds from, and the arithmetic of its report (no torch needed)."""

from __future__ import annotations

from math import prod

import pytest

from bench.voice_cost import (
    CENTER_FILE,
    VOICES,
    Built,
    Report,
    Run,
    format_report,
    phrase_pieces,
    pi4_factor,
    preset,
    read_center,
    sample_numbers,
    warm_estimate,
)


def run(quality: str = "x_low", threads: int = 1, **changes: float) -> Run:
    values: dict[str, float] = {
        "pieces": 12, "number_pieces": 10, "audio_s": 20.0, "synthesis_s": 1.2,
        "cpu_s": 1.0, "number_synthesis_s": 1.1, "number_cpu_s": 0.9,
        "number_audio_s": 15.0, "phonemes": 250, "first_piece_s": 0.2,
        "rss_imported_mb": 60, "rss_loaded_mb": 120, "rss_used_mb": 150, "peak_mb": 155,
    }
    values.update(changes)
    return Run(quality=quality, voice=VOICES[quality].name, threads=threads,
               pieces=int(values.pop("pieces")),
               number_pieces=int(values.pop("number_pieces")),
               phonemes=int(values.pop("phonemes")), **values)


def test_the_borodulikha_center_issues_600_numbers_from_three_ranges() -> None:
    center = read_center(CENTER_FILE)
    assert len(center.numbers) == 300 + 200 + 100
    assert (center.numbers[0], center.numbers[-1]) == (100, 899)
    assert 399 in center.numbers and 400 not in center.numbers and 500 in center.numbers
    assert [desk.code for desk in center.desks][:2] == ["window-1", "window-2"]
    assert len(center.desks) == 7


def test_sampled_numbers_spread_over_all_ranges() -> None:
    numbers = read_center(CENTER_FILE).numbers
    sample = sample_numbers(numbers, 40)
    assert len(sample) == len(set(sample)) == 40
    assert (sample[0], sample[-1]) == (100, 899)
    assert any(500 <= n <= 699 for n in sample) and any(800 <= n < 899 for n in sample)
    assert sample_numbers(numbers, 1000) == list(numbers)
    assert sample_numbers((5, 6, 7), 1) == [5]


@pytest.mark.parametrize(("language", "opening", "number", "desk"), [
    ("kk", "Талон нөмірі", "жүз", "бірінші терезеге өтіңіз."),
    ("ru", "Талон номер", "сто", "пройдите к окну номер один."),
])
def test_the_pieces_are_what_the_display_node_says(language: str, opening: str,
                                                   number: str, desk: str) -> None:
    center = read_center(CENTER_FILE)
    pieces = phrase_pieces(language, [100, 101, 100], center.desks)
    texts = [piece.text for piece in pieces]
    assert len(texts) == len(set(texts))  # each piece is synthesized once
    assert pieces[0].kind == "opening" and pieces[0].text == opening
    numbers = [piece.text for piece in pieces if piece.kind == "number"]
    assert numbers[0] == number and len(numbers) == 2
    desks = [piece.text for piece in pieces if piece.kind == "desk"]
    assert desks[0] == desk and len(desks) == 7


def test_presets_are_pipers_for_each_quality() -> None:
    x_low, medium, high = preset("x_low"), preset("medium"), preset("high")
    assert (x_low["hidden_channels"], x_low["inter_channels"],
            x_low["filter_channels"]) == (96, 96, 384)
    assert (medium["hidden_channels"], medium["filter_channels"]) == (192, 768)
    assert x_low["upsample_initial_channel"] == medium["upsample_initial_channel"] == 256
    assert (high["resblock"], high["upsample_rates"]) == ("1", (8, 8, 2, 2))
    # piper refuses a model whose upsampling does not make one hop per frame
    for hyper in (x_low, medium, high):
        assert prod(hyper["upsample_rates"]) == hyper["hop_length"]


def test_pi4_estimate_scales_the_cpu_cost_by_the_published_factor() -> None:
    measured = run(cpu_s=1.0, audio_s=20.0, number_cpu_s=0.9, number_pieces=10)
    assert pi4_factor(measured, 0.5) == pytest.approx(10.0)  # 0.5 / (1.0 / 20)
    x86, pi4 = warm_estimate(measured, 0.5, 600)
    assert x86 == pytest.approx(54.0)  # 0.09 s a piece x 600
    assert pi4 == pytest.approx(540.0)


def test_report_shows_every_run_and_the_pair_estimate() -> None:
    report = Report(baseline_s=[0.1, 0.12], center_numbers=600)
    report.built["x_low"] = Built("x_low", VOICES["x_low"].name, "x.onnx", 27_879_426,
                                  28_130_791, 6_738_127, 12.0)
    report.runs = [run("x_low", 1), run("x_low", 2),
                   run("medium", 1, cpu_s=2.0, number_cpu_s=1.8)]
    text = format_report(report)
    # baseline 0.11 s: 0.05 CPU s per audio s is 0.45 baselines
    assert "| kk_KZ-iseke-x_low | 1 | 6.7 M | 0.060 | 0.050 | 0.45 |" in text
    assert "| kk_KZ-iseke-x_low | 2 |" in text and "| ru_RU-denis-medium | 1 | ? |" in text
    # x_low: 600 x 0.09 s = 54 s here, x 10 = 9 min on a Pi 4; medium: 108 s x 8 = 14.4 min
    assert "| kk_KZ-iseke-x_low | 10 | 1.50 | 0.090 | 54 s | 9.0 min |" in text
    assert "| ru_RU-denis-medium | 10 | 1.50 | 0.180 | 1.8 min | 14.4 min |" in text
    assert "(1200 pieces): ~23.4 min of one Pi 4 core" in text
    assert "27,879,426 bytes, published 28,130,791 (-251,365)" in text
