import QRCode from "qrcode";

/** The QR string as a PNG a client can show as it is. */
export async function renderQrPng(text: string): Promise<Uint8Array> {
  return new Uint8Array(await QRCode.toBuffer(text, { type: "png", errorCorrectionLevel: "M", margin: 2, width: 320 }));
}
