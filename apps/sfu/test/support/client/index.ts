export * from './remote-sdp';
export * from './sfu-test-peer';
export * from './signaling-client';
export * from './werift-config';
export * from './werift-recv-transport';
export * from './werift-send-transport';
