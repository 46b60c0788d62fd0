// The seed's chatClient.js (design note, "chatClient.js"), unchanged but for the lines marked
// "test:": the proto path and the server address come from the environment.
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const path = require('path');

// .proto 파일 경로
const PROTO_PATH = path.join(process.env.PROTO_DIR, 'chat.proto'); // test: was '../proto/chat.proto'

const packageDefinition = protoLoader.loadSync(PROTO_PATH, {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});

const chatProto = grpc.loadPackageDefinition(packageDefinition).chat;

// gRPC 클라이언트 생성
const client = new chatProto.ChatService(process.env.NOTIFICATION_ADDRESS, grpc.credentials.createInsecure()); // test: was 'localhost:50051'

// 알림 전송 테스트
function sendNotification() {
  client.SendNotification({ user_id: 'A', message: 'Hello, A!' }, (err, response) => {
    if (err) {
      console.error('Error sending notification:', err);
    } else {
      console.log('Notification response:', response.status);
    }
  });
}

// 스트리밍 테스트
function streamNotifications() {
  const call = client.StreamNotifications();

  call.write({ user_id: 'A', status: 'connected' });

  setTimeout(() => {
    call.write({ user_id: 'A', status: 'disconnected' });
    call.end();
  }, 5000);

  call.on('data', (response) => {
    console.log('Stream response:', response);
  });

  call.on('end', () => {
    console.log('Stream ended');
    client.close(); // test: lets node exit once the stream is done
  });
}

// 테스트 실행
sendNotification();
streamNotifications();
