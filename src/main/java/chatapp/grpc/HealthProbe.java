package chatapp.grpc;

import io.vertx.core.Future;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.health.v1.HealthCheckRequest;
import io.vertx.grpc.health.v1.HealthCheckResponse;

import java.util.concurrent.TimeUnit;

/** Asks a peer's standard gRPC health service ({@code grpc.health.v1.Health/Check}) about one service. */
public final class HealthProbe {

  private static final ServiceMethod<HealthCheckResponse, HealthCheckRequest> CHECK = ServiceMethod.client(
    ServiceName.create("grpc.health.v1", "Health"), "Check",
    GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(HealthCheckResponse.newBuilder()));

  private HealthProbe() {
  }

  /** Succeeds with true when the peer answers SERVING for {@code service} within {@code timeoutMs}. */
  public static Future<Boolean> serving(GrpcClient client, SocketAddress peer, String service, long timeoutMs) {
    return client.request(peer, CHECK)
      .compose(req -> req.timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .send(HealthCheckRequest.newBuilder().setService(service).build()))
      .compose(resp -> resp.last())
      .map(r -> r.getStatus() == HealthCheckResponse.ServingStatus.SERVING)
      .timeout(timeoutMs, TimeUnit.MILLISECONDS);
  }
}
