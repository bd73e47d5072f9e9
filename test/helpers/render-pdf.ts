// Reads a PDF as a person would see it: the text of a page (pdfjs-dist) and the page drawn to pixels (@napi-rs/canvas,
// prebuilt from the npm registry), from which a QR code is decoded (jsqr).
import { createCanvas } from '@napi-rs/canvas'
import jsQRModule from 'jsqr'
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs'

// jsqr is CommonJS with an `exports.default`: under NodeNext its default import is the module object.
type JsQr = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null
const jsQR: JsQr = (jsQRModule as unknown as { default?: JsQr }).default ?? (jsQRModule as unknown as JsQr)

export interface RenderedPage {
  readonly pageCount: number
  readonly text: string
  /** What the QR code on the page says, or null when none is found. */
  readonly qr: string | null
}

/** Page `n` (1-based) of `pdf`: its text and the content of its QR code, rendered at `scale` (2 = 144 dpi). */
export async function renderPdfPage(pdf: Buffer, n = 1, scale = 2): Promise<RenderedPage> {
  const doc = await getDocument({ data: new Uint8Array(pdf), useSystemFonts: false, isEvalSupported: false }).promise
  try {
    const page = await doc.getPage(n)
    const content = await page.getTextContent()
    const text = content.items.map((i) => ('str' in i ? i.str : '')).join('')
    const viewport = page.getViewport({ scale })
    const canvas = createCanvas(Math.ceil(viewport.width), Math.ceil(viewport.height))
    const context = canvas.getContext('2d')
    context.fillStyle = 'white'
    context.fillRect(0, 0, canvas.width, canvas.height)
    await page.render({
      canvas: canvas as unknown as HTMLCanvasElement,
      canvasContext: context as unknown as CanvasRenderingContext2D,
      viewport,
    }).promise
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height)
    const qr = jsQR(new Uint8ClampedArray(pixels.data.buffer, pixels.data.byteOffset, pixels.data.length), canvas.width, canvas.height)
    return { pageCount: doc.numPages, text, qr: qr?.data ?? null }
  } finally {
    await doc.destroy()
  }
}
