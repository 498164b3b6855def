// Stand-in for the npm package `webrtc-polyfill` (which needs node-datachannel, whose
// binary cannot be installed on these machines). @roamhq/wrtc ships its binary in npm.
import wrtc from '@roamhq/wrtc';

export const RTCPeerConnection = wrtc.RTCPeerConnection;
export const RTCSessionDescription = wrtc.RTCSessionDescription;
export const RTCIceCandidate = wrtc.RTCIceCandidate;
export default wrtc;
