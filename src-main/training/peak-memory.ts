/**
 * This process's peak resident memory in bytes: the OS's high-water mark (getrusage's maxrss), so no step's peak is
 * missed between samples. It covers the wasm heap and the CPU backend's tensors; on webgpu the tensors live in GPU
 * memory, which it does not count.
 */
export const peakMemoryBytes = (): number => process.resourceUsage().maxRSS * 1024;
