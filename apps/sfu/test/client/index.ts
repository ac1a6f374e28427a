export * from './remoteSdp';
export * from './SfuTestPeer';
export * from './SignalingClient';
export * from './WeriftRecvTransport';
export * from './WeriftSendTransport';
export * from './weriftConfig';
