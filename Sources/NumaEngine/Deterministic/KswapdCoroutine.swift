import Foundation

/// One node's kswapd in the discrete-event engine: a host thread that runs only while the
/// engine's scheduler waits for it, so exactly one thread touches the machine at any moment
/// and runs are reproducible. The scheduler `resume`s it to run (or continue) one iteration of
/// the kswapd loop; inside reclaim it `suspend`s after a batch when another actor's event comes
/// first on the simulated clock, so CPUs allocate while kswapd reclaims, as on a real machine.
/// The semaphores order every access (ThreadSanitizer sees the handoffs).
final class KswapdCoroutine: @unchecked Sendable {
    private let resumeSignal = DispatchSemaphore(value: 0)
    private let suspendSignal = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)
    private var stopping = false
    /// True between the start of an iteration and its end (a suspended kswapd is inside one).
    private(set) var inIteration = false
    /// The body of one iteration, run on the coroutine's thread.
    private let iteration: () -> Void

    init(name: String, iteration: @escaping () -> Void) {
        self.iteration = iteration
        let thread = Thread { [self] in
            while true {
                resumeSignal.wait()
                if stopping { break }
                inIteration = true
                self.iteration()
                inIteration = false
                suspendSignal.signal()
            }
            exited.signal()
        }
        thread.name = name
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// Scheduler side: run until the coroutine suspends or ends its iteration.
    func resume() {
        resumeSignal.signal()
        suspendSignal.wait()
    }

    /// Coroutine side: give the machine back to the scheduler until it resumes us.
    func suspend() {
        suspendSignal.signal()
        resumeSignal.wait()
    }

    /// Ends the thread (between iterations only).
    func stop() {
        precondition(!inIteration, "stopping a kswapd coroutine inside an iteration")
        stopping = true
        resumeSignal.signal()
        exited.wait()
    }
}
