// Trainer-side queries (claiming runs and generations, leases, recording results).
export {};
