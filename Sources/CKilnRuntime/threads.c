// Small persistent pthread pool for large GEMMs. Workers are started lazily and never exit;
// they spin briefly after a job (back-to-back GEMMs in a training step) and then sleep.
#include "kiln_runtime.h"
#include "kiln_internal.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

#define KILN_MAX_THREADS 64
#define KILN_SPIN_ITERS 20000

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;  // held by the dispatching thread
static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cond = PTHREAD_COND_INITIALIZER;

// 0 until first use. Atomic, not under pool_lock: a task of a parallel_for (e.g. a conv's sample) may
// call a GEMM, which asks for the thread count while the dispatching thread holds the lock.
static atomic_int num_threads;
static int num_workers;  // started so far (threads besides the caller)

// One job at a time. `claim` packs (generation << 32 | next task index); a worker claims tasks with a
// CAS that also checks the generation, so a straggler from an older job can never take a newer job's task.
static atomic_uint generation;
static _Atomic(kiln_task_fn) job_fn;
static _Atomic(void *) job_ctx;
static atomic_int job_tasks;
static atomic_uint_fast64_t claim;
static atomic_int tasks_left;

static int default_threads(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    return n > 8 ? 8 : (int)n;
}

static void run_tasks(unsigned gen) {
    kiln_task_fn fn = atomic_load(&job_fn);
    void *ctx = atomic_load(&job_ctx);
    uint32_t n = (uint32_t)atomic_load(&job_tasks);
    uint64_t c = atomic_load(&claim);
    for (;;) {
        if ((uint32_t)(c >> 32) != gen || (uint32_t)c >= n) return;
        if (!atomic_compare_exchange_weak(&claim, &c, c + 1)) continue;
        fn(ctx, (int)(uint32_t)c);
        atomic_fetch_sub_explicit(&tasks_left, 1, memory_order_release);
        c = atomic_load(&claim);
    }
}

static void *worker_main(void *arg) {
    (void)arg;
    unsigned seen = atomic_load(&generation);
    for (;;) {
        unsigned g;
        int spins = 0;
        while ((g = atomic_load_explicit(&generation, memory_order_acquire)) == seen && spins < KILN_SPIN_ITERS) {
            spins++;
            __asm__ __volatile__("" ::: "memory");
        }
        if (g == seen) {
            pthread_mutex_lock(&wake_lock);
            while ((g = atomic_load(&generation)) == seen) pthread_cond_wait(&wake_cond, &wake_lock);
            pthread_mutex_unlock(&wake_lock);
        }
        seen = g;
        run_tasks(g);
    }
    return NULL;
}

// Needs pool_lock held.
static void ensure_workers(int wanted) {
    while (num_workers < wanted) {
        pthread_t th;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int ok = pthread_create(&th, &attr, worker_main, NULL) == 0;
        pthread_attr_destroy(&attr);
        if (!ok) break;
        num_workers++;
    }
}

void kiln_set_num_threads(int n) {
    if (n < 1) n = 1;
    if (n > KILN_MAX_THREADS) n = KILN_MAX_THREADS;
    atomic_store(&num_threads, n);
}

int kiln_get_num_threads(void) {
    int n = atomic_load(&num_threads);
    if (n == 0) {
        int unset = 0;
        atomic_compare_exchange_strong(&num_threads, &unset, default_threads());
        n = atomic_load(&num_threads);
    }
    return n;
}

void kiln_parallel_for(int ntasks, kiln_task_fn fn, void *ctx) {
    if (ntasks <= 1 || pthread_mutex_trylock(&pool_lock) != 0) {
        for (int t = 0; t < ntasks; t++) fn(ctx, t);
        return;
    }
    ensure_workers(kiln_get_num_threads() - 1);
    unsigned gen = atomic_load(&generation) + 1;
    atomic_store(&job_fn, fn);
    atomic_store(&job_ctx, ctx);
    atomic_store(&job_tasks, ntasks);
    atomic_store(&tasks_left, ntasks);
    atomic_store(&claim, (uint64_t)gen << 32);
    pthread_mutex_lock(&wake_lock);
    atomic_store(&generation, gen);
    pthread_cond_broadcast(&wake_cond);
    pthread_mutex_unlock(&wake_lock);
    run_tasks(gen);
    while (atomic_load_explicit(&tasks_left, memory_order_acquire) > 0) sched_yield();
    pthread_mutex_unlock(&pool_lock);
}
