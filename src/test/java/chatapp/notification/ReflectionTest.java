package chatapp.notification;

import chatapp.proto.reflection.v1alpha.ServerReflectionGrpcClient;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.InvalidProtocolBufferException;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.reflection.v1.ServerReflectionRequest;
import io.vertx.grpc.reflection.v1.ServerReflectionResponse;
import io.vertx.grpc.reflection.v1.ServiceResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Server reflection as grpcurl, evans and GUI clients use it: v1 and v1alpha, several requests on
 * one stream, each answered in order, the stream ending only when the client ends it.
 */
class ReflectionTest {

  private static final ServiceMethod<ServerReflectionResponse, ServerReflectionRequest> V1 = ServiceMethod.client(
    ServiceName.create("grpc.reflection.v1.ServerReflection"), "ServerReflectionInfo",
    GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(ServerReflectionResponse.newBuilder()));

  private static Vertx vertx;
  private static NotificationClient client;

  @BeforeAll
  static void deploy() {
    vertx = Vertx.vertx();
    client = NotificationClient.deployService(vertx);
  }

  @AfterAll
  static void close() {
    vertx.close().await();
  }

  /** One reflection stream, as a client holds it. */
  private static final class Session<Req, Resp> {
    final GrpcClientRequest<Req, Resp> request;
    final LinkedBlockingQueue<Resp> answers = new LinkedBlockingQueue<>();
    final Promise<String> ended = Promise.promise();

    Session(ServiceMethod<Resp, Req> method) {
      request = client.grpc.request(client.address, method).await();
      request.response().onSuccess(resp -> {
        resp.handler(answers::add);
        resp.endHandler(v -> ended.tryComplete(resp.status() == null ? "OK" : resp.status().name()));
      }).onFailure(ended::tryFail);
    }

    Resp ask(Req req) throws InterruptedException {
      request.write(req).await();
      Resp answer = answers.poll(10, TimeUnit.SECONDS);
      assertNotNull(answer, "no answer within 10 s to " + req);
      return answer;
    }
  }

  private static List<String> serviceNames(ServerReflectionResponse r) {
    return r.getListServicesResponse().getServiceList().stream().map(ServiceResponse::getName).toList();
  }

  private static List<FileDescriptorProto> files(ServerReflectionResponse r) throws InvalidProtocolBufferException {
    List<FileDescriptorProto> out = new ArrayList<>();
    for (var bytes : r.getFileDescriptorResponse().getFileDescriptorProtoList()) {
      out.add(FileDescriptorProto.parseFrom(bytes));
    }
    return out;
  }

  @Test
  @DisplayName("v1 answers every request of one stream in order, as grpcurl list and describe send them, and ends when the client ends")
  void v1AnswersEveryRequestOnOneStream() throws Exception {
    Session<ServerReflectionRequest, ServerReflectionResponse> s = new Session<>(V1);

    ServerReflectionResponse list = s.ask(ServerReflectionRequest.newBuilder().setHost("localhost").setListServices("").build());
    assertTrue(serviceNames(list).containsAll(List.of("notification.NotificationService", "chat.ChatService",
      "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection")),
      serviceNames(list).toString());
    assertEquals("localhost", list.getValidHost());

    // The second request on the same stream: the one vertx-grpc-reflection 5.0.7 never answers.
    ServerReflectionResponse service = s.ask(ServerReflectionRequest.newBuilder()
      .setFileContainingSymbol("notification.NotificationService").build());
    List<FileDescriptorProto> files = files(service);
    assertEquals("notification.proto", files.get(0).getName());
    assertEquals(List.of("NotifyOfflineUsers", "ListNotifications", "MarkRead"),
      files.get(0).getService(0).getMethodList().stream().map(m -> m.getName()).toList());
    assertTrue(files.stream().anyMatch(f -> f.getName().equals("google/protobuf/empty.proto")), "imports come along");

    ServerReflectionResponse method = s.ask(ServerReflectionRequest.newBuilder()
      .setFileContainingSymbol("chat.ChatService.StreamNotifications").build());
    assertEquals("chat.proto", files(method).get(0).getName());

    ServerReflectionResponse message = s.ask(ServerReflectionRequest.newBuilder()
      .setFileContainingSymbol("chat.NotificationResponse").build());
    assertEquals("chat.proto", files(message).get(0).getName());

    ServerReflectionResponse byName = s.ask(ServerReflectionRequest.newBuilder().setFileByFilename("chat.proto").build());
    assertEquals("chat", files(byName).get(0).getPackage());

    ServerReflectionResponse unknown = s.ask(ServerReflectionRequest.newBuilder().setFileContainingSymbol("no.Such").build());
    assertEquals(GrpcStatus.NOT_FOUND.code, unknown.getErrorResponse().getErrorCode());
    assertEquals("no.Such", unknown.getOriginalRequest().getFileContainingSymbol());

    ServerReflectionResponse extensions = s.ask(ServerReflectionRequest.newBuilder()
      .setAllExtensionNumbersOfType("chat.NotificationRequest").build());
    assertEquals("chat.NotificationRequest", extensions.getAllExtensionNumbersResponse().getBaseTypeName());

    s.request.end().await();
    assertEquals("OK", s.ended.future().await());
  }

  @Test
  @DisplayName("requests written at once on one stream are answered in the order they were sent")
  void answersInOrder() throws Exception {
    Session<ServerReflectionRequest, ServerReflectionResponse> s = new Session<>(V1);
    List<String> symbols = List.of("chat.ChatService", "notification.OfflineUserRequest", "grpc.health.v1.Health",
      "notification.NotificationService.MarkRead", "chat.SendNotificationResponse");
    for (String symbol : symbols) {
      s.request.write(ServerReflectionRequest.newBuilder().setFileContainingSymbol(symbol).build());
    }
    s.request.end();
    for (String symbol : symbols) {
      ServerReflectionResponse answer = s.answers.poll(10, TimeUnit.SECONDS);
      assertNotNull(answer, "no answer for " + symbol);
      assertEquals(symbol, answer.getOriginalRequest().getFileContainingSymbol());
      assertTrue(answer.hasFileDescriptorResponse(), symbol);
    }
    assertEquals("OK", s.ended.future().await());
  }

  @Test
  @DisplayName("v1alpha, as older grpcurl and evans ask for it, lists the services and finds the file of a symbol, on one stream")
  void v1alpha() throws Exception {
    var s = new Session<chatapp.proto.reflection.v1alpha.ServerReflectionRequest,
      chatapp.proto.reflection.v1alpha.ServerReflectionResponse>(ServerReflectionGrpcClient.ServerReflectionInfo);
    var list = s.ask(chatapp.proto.reflection.v1alpha.ServerReflectionRequest.newBuilder().setListServices("").build());
    List<String> names = list.getListServicesResponse().getServiceList().stream().map(r -> r.getName()).toList();
    assertTrue(names.containsAll(List.of("notification.NotificationService", "chat.ChatService",
      "grpc.reflection.v1alpha.ServerReflection")), names.toString());

    var symbol = s.ask(chatapp.proto.reflection.v1alpha.ServerReflectionRequest.newBuilder()
      .setFileContainingSymbol("chat.ChatService").build());
    FileDescriptorProto chat = FileDescriptorProto.parseFrom(symbol.getFileDescriptorResponse().getFileDescriptorProto(0));
    assertEquals("chat.proto", chat.getName());
    assertEquals(List.of("SendNotification", "StreamNotifications"),
      chat.getService(0).getMethodList().stream().map(m -> m.getName()).toList());

    // Describing the reflection service itself shows v1alpha's own file.
    var self = s.ask(chatapp.proto.reflection.v1alpha.ServerReflectionRequest.newBuilder()
      .setFileContainingSymbol("grpc.reflection.v1alpha.ServerReflection").build());
    assertEquals("grpc.reflection.v1alpha",
      FileDescriptorProto.parseFrom(self.getFileDescriptorResponse().getFileDescriptorProto(0)).getPackage());

    s.request.end().await();
    assertEquals("OK", s.ended.future().await());
  }
}
