// The seed's Client.js (design note, section 5.2), unchanged but for two lines marked "test:":
// the proto path and the server address come from the environment, and the last line calls it.
// (The seed loads '../grpc/chat.proto' yet reads the `notification` package, which that file does
// not declare: the package lives in notification.proto, so that is the file loaded here.)
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const path = require('path');

// Proto 파일 경로
const PROTO_PATH = path.join(process.env.PROTO_DIR, 'notification.proto'); // test: was '../grpc/chat.proto'

// Proto 파일 로드
const packageDefinition = protoLoader.loadSync(PROTO_PATH, {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});

// gRPC 패키지 생성
const notificationProto = grpc.loadPackageDefinition(packageDefinition).notification;

// 알림 서비스 클라이언트 생성
const client = new notificationProto.NotificationService(
  process.env.NOTIFICATION_ADDRESS, // test: was 'localhost:50051'
  grpc.credentials.createInsecure()
);

// NotifyOfflineUsers 호출 함수
function notifyOfflineUsers(userIds, message, roomId) {
  const request = {
    userIds,
    message,
    roomId,
  };

  client.NotifyOfflineUsers(request, (error) => {
    if (error) {
      console.error('Failed to notify offline users:', error.message);
    } else {
      console.log('Notification request sent successfully');
    }
    client.close(); // test: lets node exit once the call is done
  });
}

notifyOfflineUsers(process.argv[2].split(','), process.argv[3], process.argv[4]); // test: the call
