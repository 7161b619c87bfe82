import { readFileSync, readdirSync } from "node:fs";

/** Resident memory (MB) of a process started by the tests: the largest process of its tree (`tsx` runs the API in a child node). */
export function apiRssMb(rootPid: number): number {
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) {
    for (const tid of readdirSync(`/proc/${tree[i]}/task`)) {
      const kids = readFileSync(`/proc/${tree[i]}/task/${tid}/children`, "utf8").trim();
      if (kids) tree.push(...kids.split(/\s+/).map(Number));
    }
  }
  let max = 0;
  for (const pid of tree) {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    if (m) max = Math.max(max, Number(m[1]) / 1024);
  }
  return max;
}
