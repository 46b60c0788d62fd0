package chatapp.grpc;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.client.InvalidStatusException;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.server.StatusException;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A unary call with a deadline that is enforced. Vert.x 5.0.7's generated stubs have no per-call
 * timeout, {@code request.timeout()} alone only sends the {@code grpc-timeout} header, and the
 * client's automatic deadline fails a late call as CANCELLED. Here the deadline covers the whole
 * call (connecting included): when it passes, the HTTP/2 stream is reset, so the server stops too,
 * and the call fails with DEADLINE_EXCEEDED, as gRPC clients elsewhere report it.
 */
public final class UnaryCall {

  private UnaryCall() {
  }

  public static <Req, Resp> Future<Resp> call(Vertx vertx, GrpcClient client, SocketAddress peer,
                                              ServiceMethod<Resp, Req> method, Req message, long deadlineMs,
                                              Map<String, String> headers) {
    Promise<Resp> result = Promise.promise();
    GrpcClientRequest<?, ?>[] request = new GrpcClientRequest<?, ?>[1];
    long timer = vertx.setTimer(deadlineMs, t -> {
      if (result.tryFail(status(GrpcStatus.DEADLINE_EXCEEDED)) && request[0] != null) {
        request[0].cancel();
      }
    });
    client.request(peer, method).onComplete(ar -> {
      if (ar.failed()) {
        vertx.cancelTimer(timer);
        result.tryFail(ar.cause());
        return;
      }
      GrpcClientRequest<Req, Resp> req = ar.result();
      if (result.future().isComplete()) {
        req.cancel(); // the deadline passed while connecting
        return;
      }
      request[0] = req;
      headers.forEach((k, v) -> req.headers().set(k, v));
      // The header tells the server how long the caller waits, so it can give up too.
      req.timeout(deadlineMs, TimeUnit.MILLISECONDS);
      req.send(message).compose(resp -> resp.last()).onComplete(done -> {
        vertx.cancelTimer(timer);
        if (done.succeeded()) {
          result.tryComplete(done.result());
        } else {
          result.tryFail(done.cause());
        }
      });
    });
    return result.future();
  }

  /** A failure carrying {@code status}, of the same type the generated stubs report a server's status with. */
  public static InvalidStatusException status(GrpcStatus status) {
    return new InvalidStatusException(GrpcStatus.OK, status);
  }

  /**
   * The gRPC status of a failed call: the server's, or UNAVAILABLE when no answer came at all (no
   * connection, connection lost, stream reset), which is what a retry can help with.
   */
  public static GrpcStatus statusOf(Throwable failure) {
    if (failure instanceof InvalidStatusException e) {
      return e.actualStatus();
    }
    if (failure instanceof StatusException e) {
      return e.status();
    }
    return GrpcStatus.UNAVAILABLE;
  }
}
