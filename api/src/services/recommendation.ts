/**
 * The recommended checkpoint of a run (docs/evaluation-contract.md §6). Pure, so every branch of the
 * rule is cheap to test. The paper picks the best checkpoint between 200 and 800 steps by hand; this
 * is the same judgement written down: subject fidelity (DINO) first, prompt fidelity (CLIP-T) as a
 * guard against a checkpoint that copies the photos but ignores the prompt.
 */
export interface ScoredCheckpoint {
  checkpointId: string;
  step: number;
  /** Stage order breaks ties between equal steps of different stages (stage1 before stage2). */
  stage: string;
  evaluation: {
    id: string;
    protocol: "QUICK" | "DIVERSE" | "SIMPLE";
    state: string;
    clipI: number | null;
    clipT: number | null;
    dino: number | null;
    driftFlagged: boolean;
    finishedAt: Date | null;
  };
}

export interface RecommendationRule {
  clipTMargin: number;
}

export interface RecommendationResult {
  checkpointId: string;
  evaluationId: string;
  protocol: "QUICK" | "DIVERSE";
  reason: string;
}

const fmt = (n: number) => n.toFixed(3);

export function recommend(scored: ScoredCheckpoint[], rule: RecommendationRule): RecommendationResult | null {
  const succeeded = scored.filter((s) => s.evaluation.state === "SUCCEEDED" && s.evaluation.clipT !== null && s.evaluation.dino !== null);
  // One evaluation per (checkpoint, protocol): the newest.
  const latest = (protocol: "QUICK" | "DIVERSE") => {
    const by = new Map<string, ScoredCheckpoint>();
    for (const s of succeeded.filter((x) => x.evaluation.protocol === protocol)) {
      const prev = by.get(s.checkpointId);
      if (!prev || (s.evaluation.finishedAt ?? new Date(0)) > (prev.evaluation.finishedAt ?? new Date(0))) by.set(s.checkpointId, s);
    }
    return [...by.values()];
  };
  const diverse = latest("DIVERSE");
  const protocol = diverse.length >= 2 ? "DIVERSE" : "QUICK";
  let candidates = protocol === "DIVERSE" ? diverse : latest("QUICK");
  if (candidates.length === 0) return null;

  const bestClipT = Math.max(...candidates.map((c) => c.evaluation.clipT!));
  const editable = candidates.filter((c) => c.evaluation.clipT! >= bestClipT - rule.clipTMargin);
  const droppedForClipT = candidates.length - editable.length;
  candidates = editable;
  const undrifted = candidates.filter((c) => !c.evaluation.driftFlagged);
  const droppedForDrift = undrifted.length > 0 ? candidates.length - undrifted.length : 0;
  if (undrifted.length > 0) candidates = undrifted;

  const stageRank = (s: string) => (s === "stage1" ? 0 : 1);
  candidates.sort((a, b) => b.evaluation.dino! - a.evaluation.dino! || stageRank(a.stage) - stageRank(b.stage) || a.step - b.step);
  const best = candidates[0]!;
  const notes: string[] = [];
  if (droppedForClipT > 0) notes.push(`${droppedForClipT} dropped for CLIP-T more than ${fmt(rule.clipTMargin)} below the best (${fmt(bestClipT)})`);
  if (droppedForDrift > 0) notes.push(`${droppedForDrift} dropped for language drift`);
  const total = protocol === "DIVERSE" ? diverse.length : latest("QUICK").length;
  const reason =
    `Highest DINO (${fmt(best.evaluation.dino!)}, CLIP-T ${fmt(best.evaluation.clipT!)}) among ${total} checkpoint${total === 1 ? "" : "s"} ` +
    `scored with ${protocol}` +
    (notes.length ? `; ${notes.join("; ")}` : "") +
    (best.evaluation.driftFlagged ? "; note: every candidate shows language drift" : "") +
    ".";
  return { checkpointId: best.checkpointId, evaluationId: best.evaluation.id, protocol, reason };
}
