import { checkEnrollmentImage, type ImageHeader } from '@holocall/protocol';

/** Bytes read from the start of the file: every JPEG and PNG header this app accepts fits in them. */
const HEADER_BYTES = 256 * 1024;

/**
 * The same checks the server and the inference node make (the protocol's checkEnrollmentImage),
 * run in the browser first so a person learns at once what is wrong (the server still makes
 * them: the browser is not trusted). Reads only the file's first bytes; throws the protocol's
 * enrollment refusal (HolocallError, details.reason), which refusalMessage turns into words.
 */
export async function checkPhotoFile(file: Blob): Promise<ImageHeader> {
  const head = new Uint8Array(await file.slice(0, HEADER_BYTES).arrayBuffer());
  return checkEnrollmentImage(head, file.size);
}
