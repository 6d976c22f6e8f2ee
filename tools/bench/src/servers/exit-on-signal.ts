// Preloaded (`--import`) into servers under `node --cpu-prof` that have no signal handler of their own (the
// reference server): a process killed by a signal writes no profile, one that exits does.
process.on('SIGTERM', () => process.exit(0))
process.on('SIGINT', () => process.exit(0))
