package chatapp.chat.notify;

import chatapp.proto.notification.NotificationServiceGrpcService;
import chatapp.proto.notification.OfflineUserRequest;
import com.google.protobuf.Empty;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real gRPC server that plays a misbehaving notification service, call by call: answers OK, a
 * status, or nothing at all (a hang). It records each call it got and each call its client reset.
 */
final class FakeNotificationServer {

  /** What to do with the n-th call; the last entry repeats. {@code null} means never answer. */
  private final List<GrpcStatus> script;
  final List<OfflineUserRequest> calls = new CopyOnWriteArrayList<>();
  final AtomicInteger cancelled = new AtomicInteger();
  private final HttpServer server;

  FakeNotificationServer(Vertx vertx, List<GrpcStatus> script) {
    this.script = script;
    GrpcServer grpc = GrpcServer.server(vertx).callHandler(NotificationServiceGrpcService.NotifyOfflineUsers, req -> {
      req.errorHandler(error -> cancelled.incrementAndGet());
      req.handler(message -> {
        calls.add(message);
        GrpcStatus answer = script.get(Math.min(calls.size(), script.size()) - 1);
        if (answer == GrpcStatus.OK) {
          req.response().end(Empty.getDefaultInstance());
        } else if (answer != null) {
          req.response().status(answer).end();
        }
      });
    });
    server = vertx.createHttpServer().requestHandler(grpc).listen(0, "127.0.0.1").await();
  }

  String address() {
    return "127.0.0.1:" + server.actualPort();
  }

  void close() {
    server.close().await();
  }
}
