package chatapp.notification.reflection;

import com.google.protobuf.Descriptors;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.reflection.v1.ErrorResponse;
import io.vertx.grpc.reflection.v1.ExtensionNumberResponse;
import io.vertx.grpc.reflection.v1.FileDescriptorResponse;
import io.vertx.grpc.reflection.v1.ListServiceResponse;
import io.vertx.grpc.reflection.v1.ServerReflectionRequest;
import io.vertx.grpc.reflection.v1.ServerReflectionResponse;
import io.vertx.grpc.reflection.v1.ServiceResponse;
import io.vertx.grpc.server.Service;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Answers one reflection request from the descriptors of the server's services and their imports. */
final class ReflectionAnswers {

  private final List<Service> services;
  /** Every file reachable from a service, by name, services' own files first. */
  private final Map<String, Descriptors.FileDescriptor> files = new LinkedHashMap<>();

  ReflectionAnswers(List<Service> services) {
    this.services = services;
    Deque<Descriptors.FileDescriptor> todo = new ArrayDeque<>();
    services.stream().filter(s -> s.descriptor() != null).forEach(s -> todo.add(s.descriptor().getFile()));
    while (!todo.isEmpty()) {
      Descriptors.FileDescriptor f = todo.poll();
      if (files.putIfAbsent(f.getName(), f) == null) {
        todo.addAll(f.getDependencies());
      }
    }
  }

  ServerReflectionResponse answer(ServerReflectionRequest request) {
    ServerReflectionResponse.Builder out = ServerReflectionResponse.newBuilder()
      .setValidHost(request.getHost())
      .setOriginalRequest(request);
    switch (request.getMessageRequestCase()) {
      case LIST_SERVICES -> {
        ListServiceResponse.Builder list = ListServiceResponse.newBuilder();
        services.forEach(s -> list.addService(ServiceResponse.newBuilder().setName(s.name().fullyQualifiedName())));
        return out.setListServicesResponse(list).build();
      }
      case FILE_BY_FILENAME -> {
        Descriptors.FileDescriptor f = files.get(request.getFileByFilename());
        return f == null ? error(out, GrpcStatus.NOT_FOUND, "file not found: " + request.getFileByFilename())
          : out.setFileDescriptorResponse(withImports(f)).build();
      }
      case FILE_CONTAINING_SYMBOL -> {
        String symbol = request.getFileContainingSymbol();
        for (Descriptors.FileDescriptor f : files.values()) {
          if (declares(f, symbol)) {
            return out.setFileDescriptorResponse(withImports(f)).build();
          }
        }
        return error(out, GrpcStatus.NOT_FOUND, "symbol not found: " + symbol);
      }
      case FILE_CONTAINING_EXTENSION -> {
        String type = request.getFileContainingExtension().getContainingType();
        int number = request.getFileContainingExtension().getExtensionNumber();
        for (Descriptors.FileDescriptor f : files.values()) {
          if (extensionsOf(f, type).contains(number)) {
            return out.setFileDescriptorResponse(withImports(f)).build();
          }
        }
        return error(out, GrpcStatus.NOT_FOUND, "extension not found: " + type + "(" + number + ")");
      }
      case ALL_EXTENSION_NUMBERS_OF_TYPE -> {
        String type = request.getAllExtensionNumbersOfType();
        if (files.values().stream().noneMatch(f -> findMessage(f, type))) {
          return error(out, GrpcStatus.NOT_FOUND, "type not found: " + type);
        }
        Set<Integer> numbers = new TreeSet<>();
        files.values().forEach(f -> numbers.addAll(extensionsOf(f, type)));
        // A known type without extensions answers an empty list, as grpc-java does.
        return out.setAllExtensionNumbersResponse(ExtensionNumberResponse.newBuilder()
          .setBaseTypeName(type).addAllExtensionNumber(numbers)).build();
      }
      default -> {
        return error(out, GrpcStatus.UNIMPLEMENTED, "unsupported request: " + request.getMessageRequestCase());
      }
    }
  }

  /** The file first, then everything it imports, transitively: a client needs them all to decode it. */
  private static FileDescriptorResponse.Builder withImports(Descriptors.FileDescriptor file) {
    FileDescriptorResponse.Builder out = FileDescriptorResponse.newBuilder();
    Set<String> seen = new HashSet<>();
    Deque<Descriptors.FileDescriptor> todo = new ArrayDeque<>(List.of(file));
    while (!todo.isEmpty()) {
      Descriptors.FileDescriptor f = todo.poll();
      if (seen.add(f.getName())) {
        out.addFileDescriptorProto(f.toProto().toByteString());
        todo.addAll(f.getDependencies());
      }
    }
    return out;
  }

  private static boolean declares(Descriptors.FileDescriptor f, String symbol) {
    for (Descriptors.ServiceDescriptor s : f.getServices()) {
      if (s.getFullName().equals(symbol)) {
        return true;
      }
      for (Descriptors.MethodDescriptor m : s.getMethods()) {
        if (m.getFullName().equals(symbol)) {
          return true;
        }
      }
    }
    for (Descriptors.EnumDescriptor e : f.getEnumTypes()) {
      if (e.getFullName().equals(symbol)) {
        return true;
      }
    }
    return f.getExtensions().stream().anyMatch(x -> x.getFullName().equals(symbol)) || findMessage(f, symbol);
  }

  private static boolean findMessage(Descriptors.FileDescriptor f, String name) {
    return f.getMessageTypes().stream().anyMatch(m -> matches(m, name));
  }

  /** A message, or a message, enum or field nested in it, has this full name. */
  private static boolean matches(Descriptors.Descriptor m, String name) {
    if (m.getFullName().equals(name)) {
      return true;
    }
    if (m.getEnumTypes().stream().anyMatch(e -> e.getFullName().equals(name))
      || m.getExtensions().stream().anyMatch(x -> x.getFullName().equals(name))) {
      return true;
    }
    return m.getNestedTypes().stream().anyMatch(n -> matches(n, name));
  }

  private static List<Integer> extensionsOf(Descriptors.FileDescriptor f, String type) {
    List<Integer> out = new ArrayList<>();
    f.getExtensions().stream().filter(x -> x.getContainingType().getFullName().equals(type)).forEach(x -> out.add(x.getNumber()));
    Deque<Descriptors.Descriptor> todo = new ArrayDeque<>(f.getMessageTypes());
    while (!todo.isEmpty()) {
      Descriptors.Descriptor m = todo.poll();
      m.getExtensions().stream().filter(x -> x.getContainingType().getFullName().equals(type)).forEach(x -> out.add(x.getNumber()));
      todo.addAll(m.getNestedTypes());
    }
    return out;
  }

  private static ServerReflectionResponse error(ServerReflectionResponse.Builder out, GrpcStatus status, String message) {
    return out.setErrorResponse(ErrorResponse.newBuilder().setErrorCode(status.code).setErrorMessage(message)).build();
  }
}
