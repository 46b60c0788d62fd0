package chatapp.notification;

import com.google.protobuf.Descriptors;
import io.vertx.core.Handler;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.Service;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Service-to-service authentication: with a token configured, every call of a guarded service must
 * carry {@code authorization: Bearer <token>} in its metadata, or it fails UNAUTHENTICATED before the
 * service sees its message (so nothing is stored). Health and reflection stay open, for probes and
 * tools.
 */
final class ServiceAuth {

  private ServiceAuth() {
  }

  /** {@code service} itself when {@code token} is blank, else the same service behind the check. */
  static Service guard(Service service, String token) {
    if (token == null || token.isBlank()) {
      return service;
    }
    byte[] expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    return new Service() {
      @Override
      public ServiceName name() {
        return service.name();
      }

      @Override
      public Descriptors.ServiceDescriptor descriptor() {
        return service.descriptor();
      }

      @Override
      public void bind(GrpcServer server) {
        // The generated services register their methods through callHandler: wrap each handler.
        service.bind(intercepting(server, expected));
      }
    };
  }

  @SuppressWarnings("unchecked")
  private static GrpcServer intercepting(GrpcServer server, byte[] expected) {
    return (GrpcServer) Proxy.newProxyInstance(GrpcServer.class.getClassLoader(), new Class<?>[]{GrpcServer.class},
      (proxy, method, args) -> {
        if (method.getName().equals("callHandler") && args != null && args.length == 2) {
          guarded(server, (ServiceMethod<Object, Object>) args[0], (Handler<GrpcServerRequest<Object, Object>>) args[1], expected);
          return proxy;
        }
        try {
          return method.invoke(server, args);
        } catch (InvocationTargetException e) {
          throw e.getCause();
        }
      });
  }

  private static <Req, Resp> void guarded(GrpcServer server, ServiceMethod<Req, Resp> method,
                                          Handler<GrpcServerRequest<Req, Resp>> handler, byte[] expected) {
    server.callHandler(method, req -> {
      if (authorized(req.headers().get("authorization"), expected)) {
        handler.handle(req);
      } else {
        req.response().status(GrpcStatus.UNAUTHENTICATED).statusMessage("missing or wrong service token").end();
      }
    });
  }

  private static boolean authorized(String header, byte[] expected) {
    // Constant time, so the comparison does not reveal how much of a guess was right.
    return header != null && MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8), expected);
  }
}
