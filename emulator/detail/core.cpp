#include "emulator/detail/core.hpp"

#include <future>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "emulator/detail/http_delivery.hpp"
#include "emulator/detail/payloads.hpp"
#include "emulator/detail/server.hpp"
#include "emulator/detail/socket_mode.hpp"

namespace swarmbot::emulator::detail {
namespace {

constexpr auto kShutdownGrace = std::chrono::seconds(5);

const char* KindName(DeliveryKind kind) {
  return EnvelopeType(kind);
}

// Waits for one AckResult, set from the emulator thread.
class AckWaiter {
 public:
  void Set(AckResult result) {
    std::lock_guard lock(mu_);
    if (!result_) {
      result_ = std::move(result);
      cv_.notify_all();
    }
  }
  std::optional<AckResult> Wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return result_.has_value(); });
    return result_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<AckResult> result_;
};

}  // namespace

const char* EnvelopeType(DeliveryKind kind) {
  switch (kind) {
    case DeliveryKind::kEvent:
      return "events_api";
    case DeliveryKind::kCommand:
      return "slash_commands";
    case DeliveryKind::kInteractive:
      return "interactive";
  }
  return "events_api";
}

Core::Core(Options opts)
    : options(std::move(opts)),
      clock(options.clock != nullptr ? *options.clock : system_clock_),
      ws(options, clock),
      certificate(MakeCertificate()),
      work_(boost::asio::make_work_guard(io)) {
  server_ = std::make_unique<Server>(*this);
  socket_mode_ = std::make_unique<SocketMode>(*this);
  http_delivery_ = std::make_unique<HttpDelivery>(*this);
  ws.port = server_->Listen(options.port);
  server_->Start();
  socket_mode_->Start();
  thread_ = std::thread([this] {
    try {
      io.run();
    } catch (const std::exception& e) {
      spdlog::error("event=emulator.crash error=\"{}\"", e.what());
    }
  });
}

Core::~Core() {
  // Close everything on the emulator thread, let the coroutines unwind, and
  // only force-stop if they don't finish in time.
  boost::asio::post(io, [this] {
    server_->Stop();
    socket_mode_->Stop();
    http_delivery_->Stop();
  });
  work_.reset();
  auto done = std::async(std::launch::async, [this] { thread_.join(); });
  if (done.wait_for(kShutdownGrace) != std::future_status::ready) {
    io.stop();
    done.wait();
  }
}

void Core::NotifyLocked() {
  ++generation;
  changed.notify_all();
}

void Core::FlushEvents(std::unique_lock<std::mutex>& lock) {
  std::vector<Delivery> deliveries;
  for (auto& pending : ws.TakeEvents()) {
    Delivery d;
    d.kind = DeliveryKind::kEvent;
    d.payload = EventCallback(ws, std::move(pending.event));
    deliveries.push_back(std::move(d));
  }
  NotifyLocked();
  lock.unlock();
  for (auto& d : deliveries) {
    Deliver(std::move(d));
  }
}

void Core::Deliver(Delivery delivery) {
  boost::asio::post(io, [this, d = std::move(delivery)]() mutable { Route(std::move(d)); });
}

void Core::Route(Delivery delivery) {
  RequestUrls urls;
  {
    std::lock_guard lock(mu);
    ++ws.delivery_counts[KindName(delivery.kind)];
    urls = request_urls;
    NotifyLocked();
  }
  if (urls.Active()) {
    http_delivery_->Send(std::move(delivery), urls);
  } else {
    socket_mode_->Send(std::move(delivery));
  }
}

Result<std::string> Core::DeliverAndWait(Delivery delivery) {
  auto waiter = std::make_shared<AckWaiter>();
  delivery.on_ack = [waiter](AckResult result) { waiter->Set(std::move(result)); };
  Deliver(std::move(delivery));
  auto result = waiter->Wait(options.ack_deadline);
  if (!result) {
    return MakeError(Errc::kUnavailable, "operation_timeout: no acknowledgement in time");
  }
  if (!result->ok) {
    return MakeError(Errc::kUnavailable, result->error);
  }
  return result->body;
}

std::optional<Fault> Core::TakeFaultLocked(const std::string& method) {
  for (auto it = faults.begin(); it != faults.end(); ++it) {
    if (it->method == method || it->method == "*") {
      Fault fault = it->fault;
      if (--it->remaining <= 0) {
        faults.erase(it);
      }
      return fault;
    }
  }
  return std::nullopt;
}

std::int64_t Core::SigningTime() const {
  std::lock_guard lock(mu);
  return clock.UnixSeconds() + signing_offset.count();
}

}  // namespace swarmbot::emulator::detail
