"""speed.cudaGraph (issue 18) on CPU with tiny-random: stage 2's static-input step (static_step.py) — the step's draws
outside, the UNet forward + loss + backward + clip + AdamW on static buffers inside — gives bit-identical losses and
weights to the plain loop (with and without prior preservation), resumes bit-exactly, and the option resolves as
documented (off with a reported reason wherever a whole-step graph cannot run). The capture and replay themselves
are CUDA only (StaticStep._cuda_step): here only their control flow runs, with torch.cuda's graph and stream calls
replaced by stand-ins (warm-up count, one capture, a replay per later step, losses copied out); what a real capture
does on a GPU is measured by bench/cuda_graph_bench.py and gpu_acceptance.py's graph2 section."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
from pathlib import Path

import pytest
import torch
from conftest import validate_event, write_spec
from diffusers import DDPMScheduler
from helpers import events_of, make_context

import studio_engine.speed as speed_mod
from studio_engine import static_step, train
from studio_engine.__main__ import main
from studio_engine.checkpoints import read_checkpoint
from studio_engine.diffusion import LatentCache
from studio_engine.errors import BadSpecError
from studio_engine.images import load_subject_images
from studio_engine.spec import parse_spec
from studio_engine.speed import ENV, SpeedOptions, resolve
from studio_engine.stage2_finetune import PriorPreservation, run_stage2

CPU = torch.device("cpu")
CUDA = torch.device("cuda")


class CountingStep(static_step.StaticStep):
    calls = 0

    def __call__(self, inputs):
        CountingStep.calls += 1
        assert not self.capture, "no capture on CPU"
        return super().__call__(inputs)


def _run(tmp_path, images, speed: SpeedOptions, steps: int, with_prior: bool, monkeypatch):
    ctx, buf = make_context(tmp_path, images, seed=5, stage2={"steps": steps, "learningRate": 1e-3, "checkpointEvery": steps}, samples={"steps": 1, "every": 1000})
    ctx.speed = speed
    initial = {k: v.detach().clone() for k, v in ctx.components.unet.state_dict().items()}
    prior = None
    if with_prior:  # "class images": two of the photos mirrored (no class-image generation needed for the arithmetic)
        pics = load_subject_images(images[:2], ctx.resolution).flip(-1)
        prior = PriorPreservation(LatentCache(ctx.components.vae, pics, CPU), 0.5, "a photo of backpack")
    CountingStep.calls = 0
    monkeypatch.setattr("studio_engine.stage2_finetune.StaticStep", CountingStep)
    run_stage2(ctx, ctx.spec.stage2, DDPMScheduler.from_config(ctx.components.scheduler_config), prior=prior)
    events = events_of(buf)
    losses = [e["loss"] for e in events if e["type"] == "progress"]
    started = next(e for e in events if e["type"] == "stage.started")
    for e in events:
        validate_event(e)
    return ctx, losses, started["speed"], CountingStep.calls, initial


@pytest.mark.parametrize("with_prior", [False, True], ids=["instance", "prior-preservation"])
def test_static_input_step_is_bit_identical_to_the_plain_loop(tmp_path, subject_images, monkeypatch, with_prior):
    plain_ctx, plain_losses, plain_desc, plain_calls, initial = _run(tmp_path / "plain", subject_images, SpeedOptions(fused_adam=True), 4, with_prior, monkeypatch)
    static_ctx, static_losses, static_desc, static_calls, _ = _run(tmp_path / "static", subject_images, SpeedOptions(fused_adam=True, cuda_graph=True), 4, with_prior, monkeypatch)
    assert (plain_calls, static_calls) == (0, 4), "the plain run used the plain loop, the other the static-input step every step"
    assert plain_desc["cudaGraph"] is False and static_desc["cudaGraph"] is True and "cudaGraphOff" not in static_desc
    assert len(plain_losses) == 4 and static_losses == plain_losses  # exact float equality
    a, b = plain_ctx.components.unet.state_dict(), static_ctx.components.unet.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a), "every weight bit-identical"
    assert max((a[k] - initial[k]).abs().max().item() for k in a) > 1e-4, "and the weights really moved"
    assert plain_ctx.checkpoints[-1].content_hash == static_ctx.checkpoints[-1].content_hash
    assert all(p.grad is None for p in static_ctx.components.unet.parameters()), "the stage leaves no gradients behind"


class FakeGraph:
    """Stands in for torch.cuda.CUDAGraph on CPU. A real capture records the step without running it and a replay runs
    it on the same buffers; here the capture runs the step (so the first replay, of that same step, does nothing) and
    each later replay runs `_body` again on the static buffers, with fresh gradients as a real replay writes them."""

    made: list[FakeGraph] = []
    step: static_step.StaticStep | None = None

    def __init__(self) -> None:
        self.replays = 0
        FakeGraph.made.append(self)

    def replay(self) -> None:
        self.replays += 1
        step = FakeGraph.step
        if self.replays > 1 and step is not None:
            step.optimizer.zero_grad(set_to_none=True)
            step.loss.copy_(step._body())


class CapturingStep(static_step.StaticStep):
    def __init__(self, *a, **k):
        k["capture"] = True
        super().__init__(*a, **k)
        FakeGraph.step = self


def test_the_cuda_control_flow_warms_up_captures_once_and_replays(tmp_path, subject_images, monkeypatch):
    """StaticStep._cuda_step's control flow on CPU, the CUDA calls replaced (FakeGraph above; streams are no-ops):
    3 eager warm-up steps, one capture at step 4, a replay every step from there, the gradients dropped before the
    capture, and every step's loss its own tensor (the static loss is copied out: LossLog reads losses later)."""
    import contextlib

    class FakeStream:
        def wait_stream(self, other) -> None:
            pass

    captures = []

    @contextlib.contextmanager
    def fake_graph(graph, capture_error_mode="global"):
        captures.append(capture_error_mode)
        assert all(p.grad is None for p in FakeGraph.step.params), "backward allocates the gradients inside the capture"
        yield

    FakeGraph.made = []
    monkeypatch.setattr(torch.cuda, "Stream", FakeStream)
    monkeypatch.setattr(torch.cuda, "current_stream", lambda: FakeStream())
    monkeypatch.setattr(torch.cuda, "stream", lambda s: contextlib.nullcontext())
    monkeypatch.setattr(torch.cuda, "CUDAGraph", FakeGraph)
    monkeypatch.setattr(torch.cuda, "graph", fake_graph)
    plain_ctx, plain_losses, _, _, _ = _run(tmp_path / "plain", subject_images, SpeedOptions(fused_adam=True), 7, False, monkeypatch)
    monkeypatch.setattr("studio_engine.stage2_finetune.StaticStep", CapturingStep)
    ctx, buf = make_context(tmp_path / "graph", subject_images, seed=5, stage2={"steps": 7, "learningRate": 1e-3, "checkpointEvery": 7}, samples={"steps": 1, "every": 1000})
    ctx.speed = SpeedOptions(fused_adam=True, cuda_graph=True)
    run_stage2(ctx, ctx.spec.stage2, DDPMScheduler.from_config(ctx.components.scheduler_config))
    losses = [e["loss"] for e in events_of(buf) if e["type"] == "progress"]
    step = FakeGraph.step
    assert captures == ["thread_local"] and len(FakeGraph.made) == 1 and FakeGraph.made[0].replays == 7 - static_step.WARMUP_STEPS
    assert step.warm_steps == static_step.WARMUP_STEPS and step.capture_seconds is not None
    assert len(set(losses)) == 7 and losses == plain_losses, "each step reports its own loss, the plain loop's"
    a, b = plain_ctx.components.unet.state_dict(), ctx.components.unet.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert step.graph is None and all(p.grad is None for p in ctx.components.unet.parameters()), "close() dropped the graph"


def test_static_step_refuses_inputs_that_change_shape(tmp_path, subject_images):
    ctx, _ = make_context(tmp_path, subject_images)
    unet = ctx.components.unet
    unet.requires_grad_(True)
    params = list(unet.parameters())
    opt = torch.optim.AdamW(params, lr=1e-3)
    text = torch.zeros(1, 77, 32)
    step = static_step.StaticStep(unet, opt, params, ctx.precision, 1.0, [text], 0.0, capture=False)
    inputs = (torch.randn(1, 4, 8, 8), torch.tensor([10]), torch.randn(1, 4, 8, 8))
    assert torch.isfinite(step([inputs]))
    with pytest.raises(ValueError, match="input changed"):
        step([(torch.randn(2, 4, 8, 8), torch.tensor([10, 11]), torch.randn(2, 4, 8, 8))])
    with pytest.raises(ValueError, match="1 UNet calls"):
        step([inputs, inputs])


def test_cuda_graph_option_resolves_off_on_cpu_with_its_reason():
    warned: list[str] = []
    assert resolve(None, CPU, autocast=False, env={}).cuda_graph is False  # default
    assert resolve({"cudaGraph": "auto"}, CPU, autocast=False, env={}, warn=warned.append).cuda_graph is False  # auto = off
    assert warned == [], "auto and false are not requests: nothing to explain"
    on = resolve({"cudaGraph": True}, CPU, autocast=False, env={}, warn=warned.append)
    assert on.cuda_graph is False and on.cuda_graph_off == "speed.cudaGraph resolved to off: no CUDA device (cpu): the graph is CUDA only"
    assert warned == [on.cuda_graph_off]
    assert on.describe()["cudaGraph"] is False and on.describe()["cudaGraphOff"] == on.cuda_graph_off
    from_env = resolve(None, CPU, autocast=False, env={ENV: "cudaGraph=on"}, warn=warned.append)
    assert from_env.cuda_graph_off.startswith(f"{ENV} resolved to off: no CUDA device")
    assert resolve({"cudaGraph": False}, CPU, autocast=False, env={ENV: "cudaGraph=on"}).cuda_graph_off is None  # the spec wins
    assert "cudaGraphOff" not in SpeedOptions().describe() and SpeedOptions().describe()["cudaGraph"] is False
    with pytest.raises(BadSpecError) as err:
        resolve(None, CPU, autocast=False, env={ENV: "cudaGraph=sometimes"})
    assert err.value.field == ENV and "on, off or auto" in err.value.message


def test_cuda_graph_option_on_a_cuda_device_and_what_turns_it_off(monkeypatch):
    """Resolution only (no CUDA needed): what a CUDA job gets for each combination."""
    monkeypatch.setattr(speed_mod, "fused_adam_supported", lambda device: True)
    quiet = [].append
    default = resolve(None, CUDA, autocast=True, env={})
    # measured defaults (bench/README.md "GPU figures"): no compile, contiguous UNet for the eager step
    assert (default.cuda_graph, default.compile, default.channels_last) == (False, False, False), "off by default on CUDA too"
    on = resolve({"cudaGraph": True}, CUDA, autocast=True, env={})
    assert (on.cuda_graph, on.cuda_graph_off, on.compile, on.channels_last) == (True, None, False, True), "channels-last follows the graph"
    assert resolve({"compile": True}, CUDA, autocast=True, env={}).compile is True
    cases = [
        (dict(fp16=True), {}, "fp16 autocast: its GradScaler"),
        (dict(adam8bit=True), {}, "precision.adam8bit"),
        (dict(gradient_checkpointing=True), {}, "precision.gradientCheckpointing"),
        ({}, {"compile": True}, "speed.compile is on"),
    ]
    for job, extra, why in cases:
        r = resolve({"cudaGraph": True, **extra}, CUDA, autocast=True, env={}, warn=quiet, **job)
        assert r.cuda_graph is False and r.cuda_graph_off.startswith("speed.cudaGraph resolved to off: ") and why in r.cuda_graph_off, (job, extra, r)
    with_env_compile = resolve({"cudaGraph": True}, CUDA, autocast=True, env={ENV: "compile=on"}, warn=quiet)
    assert with_env_compile.compile is True and f"{ENV} is on" in with_env_compile.cuda_graph_off


def test_the_job_spec_accepts_cuda_graph_and_refuses_other_values():
    base = {"v": 1, "jobId": "t", "method": "TWO_STAGE", "baseModel": "tiny-random", "images": ["a.jpg"], "classNoun": "dog", "outputDir": "/tmp/o"}
    for ok in (True, False, "auto"):
        assert parse_spec({**base, "speed": {"cudaGraph": ok}}).speed["cudaGraph"] == ok
    with pytest.raises(BadSpecError) as err:
        parse_spec({**base, "speed": {"cudaGraph": "yes"}})
    assert err.value.field == "speed.cudaGraph"


def _final_hash(out, name: str) -> str:
    return read_checkpoint(out / "checkpoints" / name)["contentHash"]


def test_static_step_resumes_bit_exactly_and_a_cpu_job_reports_the_graph_off(tmp_path, subject_images, monkeypatch, capsys):
    """Three in-process engine jobs (the CLI's `train`): the plain loop; the static-input step (forced on, as a CUDA
    job would run it, minus the capture); and the static step resumed from its own step-4 checkpoint (fresh
    process state: optimiser, RNGs and weights from the checkpoint). All three end with the same weights."""
    fields = dict(
        method="TWO_STAGE",
        images=subject_images,
        seed=11,
        samples={"steps": 1, "every": 1000},
        stage1={"steps": 1, "learningRate": 5e-2},
        stage2={"steps": 6, "learningRate": 1e-3, "checkpointEvery": 2},
    )

    plain = tmp_path / "plain"
    spec = write_spec(tmp_path / "plain.json", outputDir=str(plain), speed={"cudaGraph": True}, **fields)
    assert main(["train", "--spec", str(spec)]) == 0
    captured = capsys.readouterr()
    events = [json.loads(line) for line in captured.out.splitlines()]
    speeds = [e["speed"] for e in events if e["type"] == "stage.started"]
    for e in events:
        validate_event(e)
    assert [s["cudaGraph"] for s in speeds] == [False, False]
    assert all("no CUDA device" in s["cudaGraphOff"] for s in speeds)
    assert "speed.cudaGraph resolved to off: no CUDA device" in captured.err

    real = train.resolve_speed
    monkeypatch.setattr(train, "resolve_speed", lambda *a, **k: dataclasses.replace(real(*a, **k), cuda_graph=True, cuda_graph_off=None))
    CountingStep.calls = 0
    monkeypatch.setattr("studio_engine.stage2_finetune.StaticStep", CountingStep)
    static = tmp_path / "static"
    assert main(["train", "--spec", str(write_spec(tmp_path / "static.json", outputDir=str(static), **fields))]) == 0
    assert CountingStep.calls == 6
    resumed = tmp_path / "resumed"
    spec = write_spec(tmp_path / "resumed.json", outputDir=str(resumed), resumeFrom=str(static / "checkpoints" / "stage2-step-000004"), **fields)
    assert main(["train", "--spec", str(spec)]) == 0
    assert CountingStep.calls == 8, "the resumed job ran steps 5 and 6 through the static step"
    capsys.readouterr()

    final = "stage2-step-000006"
    assert _final_hash(static, final) == _final_hash(plain, final)
    assert _final_hash(resumed, final) == _final_hash(plain, final)
    assert _final_hash(static, "stage2-step-000004") == _final_hash(plain, "stage2-step-000004")


def test_the_benchmark_runs_on_cpu_and_reports_the_graph_as_null(capsys):
    """bench/cuda_graph_bench.py's CPU smoke test: the engine's static step timed eagerly, both layouts; no graph."""
    path = Path(__file__).resolve().parents[1] / "bench" / "cuda_graph_bench.py"
    spec = importlib.util.spec_from_file_location("cuda_graph_bench", path)
    bench = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(bench)
    report = bench.main(["--model", "tiny-random", "--device", "cpu", "--steps", "2", "--warmup", "1"])
    printed = json.loads(capsys.readouterr().out)
    assert printed == report
    v = report["variants"]
    assert v["graph"] is None and v["graphChannelsLast"] is None and report["summary"]["graphMs"] is None
    for name in ("eager", "eagerChannelsLast"):
        assert v[name]["wallMs"] > 0 and v[name]["cpuDispatchMs"] > 0 and v[name]["cpuOpsPerStep"] > 100 and v[name]["kernelsPerStep"] is None
    assert report["summary"]["eagerMs"] == v["eager"]["wallMs"] and report["unetParameters"] > 0
