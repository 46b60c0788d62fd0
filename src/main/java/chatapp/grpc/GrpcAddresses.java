package chatapp.grpc;

import io.vertx.core.net.SocketAddress;

/** Parses the {@code host:port} form the configuration (and the seed) uses for gRPC peers. */
public final class GrpcAddresses {

  private GrpcAddresses() {
  }

  public static SocketAddress parse(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new IllegalArgumentException("expected host:port, got '" + hostPort + "'");
    }
    return SocketAddress.inetSocketAddress(Integer.parseInt(hostPort.substring(colon + 1)), hostPort.substring(0, colon));
  }
}
