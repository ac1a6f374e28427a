/**
 * The node decodes enrollment images with the bounded decoder it shares with the web app
 * (@holocall/face/node/image): PNG or JPEG to RGBA8 as displayed (EXIF orientation applied),
 * after the header passed every limit (the protocol's checkEnrollmentImage); an interlaced PNG
 * whose data inflates past its declared size is photo_decode_budget, a JPEG of more than
 * MAX_JPEG_SCANS scans photo_too_many_scans, anything else that does not decode
 * photo_undecodable. CPU work (tens of ms for a crop, seconds for a 25 MP photo): the node runs
 * it in the lift worker, under its deadline.
 */
export { decodeEnrollmentImage } from '@holocall/face/node/image';
