#!/bin/sh
# ThreadSanitizer on the concurrent parts: the concurrent engine's stress tests (2–8 host
# threads, kswapd loops on Dispatch queues, node actors) in a TSan build. Any data race makes
# TSan report and the run fail. Separate build directory, so the normal build is untouched.
set -e
cd "$(dirname "$0")/.."
export TSAN_OPTIONS="halt_on_error=1 abort_on_error=1"
swift test --sanitize=thread --scratch-path .build-tsan --filter "ConcurrentStressTests|FallbackMatrixTests.testConcurrent|WorkloadDurationTests.testDuration|SimulatedTimeTests.testDeterministicRunsAgree|SimulatedTimeTests.testConcurrent|DemotionTests.testConcurrent|PageCacheStressTests.testConcurrent|MemcgTests.testConcurrent|CompactionConcurrentTests|THPReclaimTests.testConcurrent|ProactiveCompactionEngineTests"
