// The job queue the worker drains (jobs/queue.hpp): a claimed job is no one else's while its lease
// runs, a failed one comes back later, one whose worker stopped comes back after its lease, both
// fail for good after the fifth attempt, and scheduled work is queued once.

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "jobs/queue.hpp"
#include "support/stack.hpp"

using namespace pm;

namespace {

class JobQueue : public ::testing::Test {
 protected:
  int count(const std::string& sql) {
    auto conn = db_.connect();
    pqxx::nontransaction q(conn);
    return q.exec1(sql)[0].as<int>();
  }
  template <typename F>
  auto in_transaction(F&& f) {
    auto conn = db_.connect();
    pqxx::work tx(conn);
    auto out = f(tx);
    tx.commit();
    return out;
  }
  // A job of `kind` (payload {"user_id": "u1"}), in a transaction of its own.
  void enqueue(const std::string& kind) {
    in_transaction([&](pqxx::work& tx) {
      jobs::enqueue(tx, kind, Json{{"user_id", "u1"}});
      return 0;
    });
  }
  // Training, as the worker's schedule queues it (at most once a day).
  void schedule_training() {
    in_transaction([](pqxx::work& tx) {
      jobs::enqueue_unless_recent(tx, "train_model", 24);
      return 0;
    });
  }
  // One worker's claim of one job of `kind`.
  std::vector<jobs::Claimed> claim(const std::string& kind) {
    return in_transaction([&](pqxx::work& tx) { return jobs::claim(tx, kind, 1); });
  }
  // Moves the running jobs' leases into the past, as if their workers had stopped.
  void lease_passes() {
    auto conn = db_.connect();
    pqxx::nontransaction(conn).exec0(
        "UPDATE jobs SET run_after = now() - interval '1 second' WHERE status = 'running'");
  }
  // Makes a retried job due now, as if its back-off had passed.
  void make_due() {
    auto conn = db_.connect();
    pqxx::work tx(conn);
    tx.exec("UPDATE jobs SET run_after = now() WHERE status = 'pending'");
    tx.commit();
  }
  test::TestDatabase db_;
};

}  // namespace

TEST_F(JobQueue, AClaimedJobIsTakenOnceWithItsPayloadAndDoneWhenFinished) {
  in_transaction([](pqxx::work& tx) {
    jobs::enqueue(tx, "compute_vectors", Json{{"user_id", "u1"}});
    jobs::enqueue(tx, "compute_vectors", Json{{"user_id", "u1"}});  // the same, still pending: once
    jobs::enqueue(tx, "other_kind", Json{{"user_id", "u2"}});
    return 0;
  });
  auto conn = db_.connect();
  pqxx::work first(conn);
  auto claimed = jobs::claim(first, "compute_vectors", 10);
  ASSERT_EQ(claimed.size(), 1u) << "one pending job of the kind, the other kind left alone";
  EXPECT_EQ(claimed[0].payload.value("user_id", ""), "u1");
  // While the first worker holds it, a second one finds nothing.
  EXPECT_TRUE(in_transaction([](pqxx::work& tx) { return jobs::claim(tx, "compute_vectors", 10); }).empty());
  first.commit();
  EXPECT_TRUE(in_transaction([](pqxx::work& tx) { return jobs::claim(tx, "compute_vectors", 10); }).empty())
      << "a running job is not claimed again";
  in_transaction([&](pqxx::work& tx) {
    jobs::finish(tx, claimed[0], std::nullopt);
    return 0;
  });
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE kind = 'compute_vectors' AND status = 'done' AND "
                  "finished_at IS NOT NULL AND last_error IS NULL"),
            1);
}

TEST_F(JobQueue, AFailedJobComesBackLaterAndFailsForGoodAfterItsFifthAttempt) {
  in_transaction([](pqxx::work& tx) {
    jobs::enqueue(tx, "compute_vectors", Json{{"user_id", "u1"}});
    return 0;
  });
  for (int attempt = 1; attempt <= 5; ++attempt) {
    auto claimed = in_transaction([](pqxx::work& tx) { return jobs::claim(tx, "compute_vectors", 10); });
    ASSERT_EQ(claimed.size(), 1u) << "attempt " << attempt;
    in_transaction([&](pqxx::work& tx) {
      jobs::finish(tx, claimed[0], "boom " + std::to_string(attempt));
      return 0;
    });
    if (attempt < 5) {
      EXPECT_EQ(
          count("SELECT count(*) FROM jobs WHERE status = 'pending' AND run_after > now() + interval '20 seconds' "
                "AND last_error = 'boom " +
                std::to_string(attempt) + "'"),
          1)
          << "pending again, later, with its error (attempt " << attempt << ")";
      EXPECT_TRUE(in_transaction([](pqxx::work& tx) { return jobs::claim(tx, "compute_vectors", 10); }).empty())
          << "not before its back-off has passed";
      make_due();
    }
  }
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE status = 'failed' AND attempts = 5 AND last_error = 'boom 5'"), 1);
  {  // due as well (make_due moves only pending ones): only its status keeps it from a worker
    auto conn = db_.connect();
    pqxx::nontransaction(conn).exec0("UPDATE jobs SET run_after = now()");
  }
  EXPECT_TRUE(in_transaction([](pqxx::work& tx) { return jobs::claim(tx, "compute_vectors", 10); }).empty())
      << "a failed job is never claimed again";
}

TEST_F(JobQueue, AJobWhoseWorkerStoppedIsTakenAgainAfterItsLeaseAndFailsAfterTheFifthAttempt) {
  schedule_training();
  auto first = claim("train_model");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE status = 'running' AND run_after > now() + interval '50 minutes'"),
            1)
      << "claimed for its lease";
  EXPECT_TRUE(claim("train_model").empty()) << "not taken again while its lease runs";
  // Its worker was killed and never finished it: once the lease passes, the job is taken again
  // (before, it stayed running for good, and training was never queued again).
  for (int attempt = 2; attempt <= 5; ++attempt) {
    lease_passes();
    auto again = claim("train_model");
    ASSERT_EQ(again.size(), 1u) << "attempt " << attempt;
    EXPECT_EQ(again[0].job_id, first[0].job_id);
    EXPECT_EQ(count("SELECT attempts FROM jobs"), attempt);
  }
  lease_passes();
  EXPECT_TRUE(claim("train_model").empty()) << "after the fifth attempt it is not taken again";
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE status = 'failed' AND last_error LIKE 'the worker stopped%'"), 1);
  // The schedule goes on, once its interval has passed since that job was queued (as after any
  // job that failed for good: a worker killed by training every time is not restarted into it at once).
  schedule_training();
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE status = 'pending'"), 0);
  in_transaction([](pqxx::work& tx) {
    tx.exec("UPDATE jobs SET created_at = now() - interval '25 hours'");
    return 0;
  });
  schedule_training();
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE status = 'pending'"), 1) << "and the schedule goes on";
}

// Work that must happen whatever it costs (a cancellation at the payment provider: lost, the person
// is charged again) is not given up after five workers stopped on it: it is taken again after
// every lease, and shows as due in the worker's metrics meanwhile.
TEST_F(JobQueue, AJobThatMustNotBeLostIsTakenAgainHoweverOftenItsWorkerStopped) {
  enqueue("cancel_provider_subscription");
  auto claim_never_abandoned = [&] {
    return in_transaction(
        [](pqxx::work& tx) { return jobs::claim(tx, "cancel_provider_subscription", 1, jobs::Abandon::never); });
  };
  ASSERT_EQ(claim_never_abandoned().size(), 1u);
  for (int attempt = 2; attempt <= 7; ++attempt) {
    lease_passes();
    auto backlog = in_transaction([](pqxx::work& tx) { return jobs::backlog(tx); });
    ASSERT_TRUE(backlog.contains("cancel_provider_subscription")) << "a stopped worker's job shows as due";
    EXPECT_EQ(backlog["cancel_provider_subscription"].count, 1);
    EXPECT_GT(backlog["cancel_provider_subscription"].oldest_due_seconds, 0);
    ASSERT_EQ(claim_never_abandoned().size(), 1u) << "attempt " << attempt;
  }
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE status = 'failed'"), 0);
  EXPECT_EQ(count("SELECT attempts FROM jobs"), 7);
  auto running = in_transaction([](pqxx::work& tx) { return jobs::backlog(tx); });
  EXPECT_FALSE(running.contains("cancel_provider_subscription")) << "running within its lease: not due";
}

TEST_F(JobQueue, AWorkerPastItsLeaseRecordsNothingForTheJobAnotherTookAgain) {
  enqueue("end_sessions");
  auto late = claim("end_sessions");  // a worker that stalls past its lease
  ASSERT_EQ(late.size(), 1u);
  lease_passes();
  auto current = claim("end_sessions");  // taken again by another worker
  ASSERT_EQ(current.size(), 1u);
  ASSERT_EQ(current[0].job_id, late[0].job_id);
  // The stalled worker wakes up: its failure, its success and its postponement change nothing
  // (before, its failure put the job back to pending while the other worker ran it, and a third
  // worker could run it at once; its postponement gave back an attempt that was not its own).
  EXPECT_FALSE(in_transaction([&](pqxx::work& tx) { return jobs::finish(tx, late[0], "boom"); }));
  EXPECT_FALSE(
      in_transaction([&](pqxx::work& tx) { return jobs::postpone(tx, late[0], "redis", std::chrono::seconds(5)); }));
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE status = 'running' AND attempts = 2 AND last_error IS NULL AND "
                  "run_after > now() + interval '50 minutes'"),
            1)
      << "still the other worker's, with its lease";
  EXPECT_TRUE(claim("end_sessions").empty()) << "and no third worker takes it";
  EXPECT_TRUE(in_transaction([&](pqxx::work& tx) { return jobs::finish(tx, current[0], std::nullopt); }));
  EXPECT_FALSE(in_transaction([&](pqxx::work& tx) { return jobs::finish(tx, late[0], "boom"); }));
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE status = 'done' AND last_error IS NULL"), 1)
      << "the current worker's success stands";
}

TEST_F(JobQueue, AFifthAttemptThatEndsAfterItsLeaseStillCountsAsDone) {
  schedule_training();
  std::vector<jobs::Claimed> last;
  for (int attempt = 1; attempt <= 5; ++attempt) {
    if (attempt > 1) lease_passes();
    last = claim("train_model");
    ASSERT_EQ(last.size(), 1u) << "attempt " << attempt;
  }
  lease_passes();
  EXPECT_TRUE(claim("train_model").empty());  // the fifth attempt's lease passed: failed for good
  ASSERT_EQ(count("SELECT count(*) FROM jobs WHERE status = 'failed'"), 1);
  // Its worker was slow, not dead: the model it trained is done, and training is not queued again
  // within the day for nothing.
  EXPECT_TRUE(in_transaction([&](pqxx::work& tx) { return jobs::finish(tx, last[0], std::nullopt); }));
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE status = 'done' AND last_error IS NULL AND finished_at IS NOT NULL"),
            1);
  schedule_training();
  EXPECT_EQ(count("SELECT count(*) FROM jobs"), 1) << "done within the interval: not queued again";
}

TEST_F(JobQueue, AFailedJobIsNotMadeDoneByAnEarlierAttempt) {
  enqueue("end_sessions");
  auto earlier = claim("end_sessions");
  ASSERT_EQ(earlier.size(), 1u);
  for (int attempt = 2; attempt <= 5; ++attempt) {
    lease_passes();
    ASSERT_EQ(claim("end_sessions").size(), 1u) << "attempt " << attempt;
  }
  lease_passes();
  EXPECT_TRUE(claim("end_sessions").empty());
  EXPECT_FALSE(in_transaction([&](pqxx::work& tx) { return jobs::finish(tx, earlier[0], std::nullopt); }))
      << "the first attempt's worker is not the one whose lease ended last";
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE status = 'failed'"), 1);
}

TEST_F(JobQueue, ScheduledWorkIsQueuedOnceAndNotAgainWithinItsInterval) {
  schedule_training();
  schedule_training();
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE kind = 'train_model'"), 1) << "pending: not twice";
  auto claimed = claim("train_model");
  ASSERT_EQ(claimed.size(), 1u);
  schedule_training();
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE kind = 'train_model'"), 1) << "running: not again";
  in_transaction([&](pqxx::work& tx) {
    jobs::finish(tx, claimed[0], std::nullopt);
    return 0;
  });
  schedule_training();
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE kind = 'train_model'"), 1) << "finished within 24 h: not again";
  in_transaction([](pqxx::work& tx) {
    tx.exec("UPDATE jobs SET finished_at = now() - interval '25 hours'");
    return 0;
  });
  schedule_training();
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE kind = 'train_model' AND status = 'pending'"), 1)
      << "once the interval has passed, queued again";
}

// Scheduled work that fails every time (training on data it cannot use) fails for good after its
// five attempts, a few minutes; it was queued again at once, and so ran every few minutes, not
// once an interval.
TEST_F(JobQueue, ScheduledWorkThatFailedForGoodIsQueuedAgainOnlyAfterItsInterval) {
  schedule_training();
  for (int attempt = 1; attempt <= 5; ++attempt) {
    make_due();
    auto claimed = claim("train_model");
    ASSERT_EQ(claimed.size(), 1u) << attempt;
    in_transaction([&](pqxx::work& tx) { return jobs::finish(tx, claimed[0], std::string("too few outcomes")); });
  }
  ASSERT_EQ(count("SELECT count(*) FROM jobs WHERE kind = 'train_model' AND status = 'failed'"), 1);
  schedule_training();
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE kind = 'train_model'"), 1) << "failed within 24 h: not again";
  in_transaction([](pqxx::work& tx) {
    tx.exec("UPDATE jobs SET created_at = now() - interval '25 hours'");
    return 0;
  });
  schedule_training();
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE kind = 'train_model' AND status = 'pending'"), 1)
      << "once the interval has passed, queued again";
}

// Two schedulers queueing the same scheduled work at once (two workers' schedules) each saw none
// pending, as neither sees the other's row before it commits, and both queued it: training ran twice.
TEST_F(JobQueue, ScheduledWorkQueuedByTwoSchedulersAtOnceIsQueuedOnce) {
  auto schedule_and_linger = [&] {
    in_transaction([&](pqxx::work& tx) {
      jobs::enqueue_unless_recent(tx, "train_model", 24);
      std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the other schedules meanwhile
      return 0;
    });
  };
  std::thread first(schedule_and_linger), second(schedule_and_linger);
  first.join();
  second.join();
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE kind = 'train_model'"), 1);
}
