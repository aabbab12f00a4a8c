#include "demo/fake_speech.h"

#include <thread>

#include "demo/fake_server.h"
#include "exporter/log.h"
#include "web/json_api.h"

namespace spark {

FakeSpeech::FakeSpeech(FlapSchedule schedule, const Clock& clock)
    : schedule_(schedule),
      clock_(clock),
      next_change_(clock.Now() + FromSeconds(schedule.first_outage_s)) {}

FakeSpeech::~FakeSpeech() {
  stopping_ = true;
  listener_.reset();
}

Result<std::unique_ptr<FakeSpeech>> FakeSpeech::Start(std::string listen_host,
                                                      FlapSchedule schedule, const Clock& clock) {
  std::unique_ptr<FakeSpeech> fake(new FakeSpeech(schedule, clock));
  FakeSpeech* self = fake.get();
  std::vector<Route> routes;
  routes.push_back(
      {"GET",
       "/health",
       Access::kRead,
       [self](const Request&) {
         bool up, hang;
         {
           std::lock_guard lock(self->mu_);
           self->UpdateLocked();
           up = self->up_;
           hang = self->hang_;
         }
         if (up) return JsonResponse(200, {{"status", "ok"}});
         // A hung service: hold the request past any probe deadline.
         for (int i = 0; hang && i < 30 && !self->stopping_; ++i) {
           std::this_thread::sleep_for(std::chrono::milliseconds(100));
         }
         return JsonResponse(
             503, {{"error", {{"code", "unavailable"}, {"message", "model is reloading"}}}});
       },
       {},
       {}});
  auto listener = FakeListener::Start(listen_host, 0, std::move(routes), clock);
  if (!listener.ok()) return listener.status();
  fake->listener_ = std::move(listener).value();
  return fake;
}

void FakeSpeech::UpdateLocked() {
  const SteadyTime now = clock_.Now();
  while (now >= next_change_) {
    up_ = !up_;
    if (!up_) hang_ = !hang_;
    std::uniform_real_distribution<double> span =
        up_ ? std::uniform_real_distribution<double>(schedule_.up_min_s, schedule_.up_max_s)
            : std::uniform_real_distribution<double>(schedule_.down_min_s, schedule_.down_max_s);
    next_change_ += FromSeconds(span(rng_));
  }
}

bool FakeSpeech::up() {
  std::lock_guard lock(mu_);
  UpdateLocked();
  return up_ && !crashed_;
}

std::string FakeSpeech::failure() {
  std::lock_guard lock(mu_);
  if (crashed_) return "connection refused";
  return hang_ ? "timeout after 10 s" : "HTTP 503";
}

bool FakeSpeech::Crash() {
  {
    std::lock_guard lock(mu_);
    if (crashed_) return false;
    crashed_ = true;
  }
  listener_->Close();
  return true;
}

bool FakeSpeech::crashed() {
  std::lock_guard lock(mu_);
  return crashed_;
}

void FakeSpeech::Restarted() {
  {
    std::lock_guard lock(mu_);
    if (!crashed_) return;
    crashed_ = false;
  }
  if (Status s = listener_->Listen(); !s.ok()) {
    Log(LogLevel::kWarn, "demo: a fake speech service could not listen again: " + s.message());
  }
}

}  // namespace spark
