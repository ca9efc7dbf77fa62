import CCBLAS

extension MatrixBackend {
    /// Pins OpenBLAS to one thread per calling thread. Results are then bit-for-bit the same
    /// whatever the machine's core count, and independent models can train side by side, one
    /// per core. oneDNN's products always run on the calling thread alone.
    public static func useOneThreadPerCaller() {
        openblas_set_num_threads(1)
    }
}
