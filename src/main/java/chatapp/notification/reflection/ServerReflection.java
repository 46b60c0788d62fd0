package chatapp.notification.reflection;

import com.google.protobuf.Descriptors;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.reflection.v1.ServerReflectionProto;
import io.vertx.grpc.reflection.v1.ServerReflectionRequest;
import io.vertx.grpc.reflection.v1.ServerReflectionResponse;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import io.vertx.grpc.server.Service;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * gRPC server reflection, {@code grpc.reflection.v1} and {@code grpc.reflection.v1alpha}, in place of
 * vertx-grpc-reflection 5.0.7, which serves v1 only and ends the stream after its first answer.
 * Here a stream answers every request sent on it, in order, and ends only when the client ends its
 * side, as grpc-java and grpc-go servers do: grpcurl, evans and GUI clients reuse one stream.
 *
 * <p>Both versions decode and encode with the v1 message classes: v1alpha's messages are
 * wire-identical, only the service's name differs. Its descriptor is v1alpha's own, so describing
 * the v1alpha service shows the right file.
 */
public final class ServerReflection implements Service {

  private static final Logger log = LoggerFactory.getLogger(ServerReflection.class);

  private final ServiceName name;
  private final Descriptors.ServiceDescriptor descriptor;
  private final ServiceMethod<ServerReflectionRequest, ServerReflectionResponse> method;

  private ServerReflection(String fullName, Descriptors.ServiceDescriptor descriptor) {
    this.name = ServiceName.create(fullName);
    this.descriptor = descriptor;
    this.method = ServiceMethod.server(name, "ServerReflectionInfo", GrpcMessageEncoder.encoder(),
      GrpcMessageDecoder.decoder(ServerReflectionRequest.newBuilder()));
  }

  public static ServerReflection v1() {
    return new ServerReflection("grpc.reflection.v1.ServerReflection",
      ServerReflectionProto.getDescriptor().findServiceByName("ServerReflection"));
  }

  public static ServerReflection v1alpha() {
    return new ServerReflection("grpc.reflection.v1alpha.ServerReflection",
      chatapp.proto.reflection.v1alpha.ServerReflectionProto.getDescriptor().findServiceByName("ServerReflection"));
  }

  @Override
  public ServiceName name() {
    return name;
  }

  @Override
  public Descriptors.ServiceDescriptor descriptor() {
    return descriptor;
  }

  @Override
  public void bind(GrpcServer server) {
    // The services are read per request: those added after this one are listed too.
    server.callHandler(method, call -> serve(call, new ReflectionAnswers(server.services())));
  }

  private void serve(GrpcServerRequest<ServerReflectionRequest, ServerReflectionResponse> call, ReflectionAnswers answers) {
    GrpcServerResponse<ServerReflectionRequest, ServerReflectionResponse> response = call.response();
    call.handler(request -> response.write(answers.answer(request)));
    call.endHandler(v -> response.end());
    call.exceptionHandler(e -> log.debug("reflection stream broke: {}", e.toString()));
  }
}
