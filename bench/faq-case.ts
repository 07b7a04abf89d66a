/**
 * The FAQ case of `npm run bench`: a seeded, generated 10,000-entry knowledge base (the 34 real
 * entries of knowledge/example.yaml plus variants about books, courses, cities, products and
 * devices), its index build time, the per-message latency of `decide` over a seeded stream of
 * 20,000 group messages, and RSS. The same stream against the 34 real entries, for comparison.
 *
 * Runs synchronously after the pipeline case, so it does not disturb the pipeline's numbers.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Jieba } from '@node-rs/jieba'
import { dict } from '@node-rs/jieba/dict.js'
import { parse } from 'yaml'
import { loadYamlFile } from '../src/config/load-yaml.js'
import { seededRandom } from '../src/core/random.js'
import { buildIndex, decide, type FaqDecision, type FaqIndex } from '../src/features/faq/matcher.js'
import { type KbEntry, kbFileSchema } from '../src/features/faq/schema.js'
import { segmenter } from '../src/features/faq/text.js'
import { percentile, round, sortedCopy } from './stats.js'

export const FAQ_CASE = {
  seed: 20260106,
  entries: 10_000,
  warmup: 2_000,
  timed: 20_000,
  /** The defaults of knowledge/_settings.yaml. */
  match: { mentioned: false, threshold: 0.55, margin: 0.08 },
  longChars: { min: 300, max: 2000 },
}

/** Share of each kind of message in the stream (warm-up and timed alike). */
const MIX = {
  'fixture-positive': 0.06,
  'fixture-negative': 0.04,
  'kb-question': 0.5,
  'unknown-question': 0.06,
  'chit-chat': 0.325,
  long: 0.015,
} as const
type MessageKind = keyof typeof MIX
const KINDS = Object.keys(MIX) as MessageKind[]

const MB = 1024 * 1024

// ---- Word lists --------------------------------------------------------------------------------

const words = (list: string) => list.split(' ')

const BOOKS = words(
  '百年孤独 活着 平凡的世界 红楼梦 三体 人类简史 未来简史 乌合之众 自控力 原则 穷查理宝典 围城 边城 呐喊 ' +
    '朝花夕拾 骆驼祥子 月亮与六便士 追风筝的人 小王子 杀死一只知更鸟 一九八四 动物农场 了不起的盖茨比 傲慢与偏见 ' +
    '简爱 呼啸山庄 悲惨世界 巴黎圣母院 战争与和平 安娜卡列尼娜 罪与罚 卡拉马佐夫兄弟 老人与海 麦田里的守望者 ' +
    '挪威的森林 白夜行 解忧杂货店 嫌疑人X的献身 人间失格 雪国 局外人 鼠疫 变形记 城堡 霍乱时期的爱情 沉默的大多数 ' +
    '黄金时代 文化苦旅 目送 撒哈拉的故事 倾城之恋 金锁记 长恨歌 白鹿原 尘埃落定 繁花 秋园 额尔古纳河右岸 ' +
    '许三观卖血记 兄弟 蛙 檀香刑 城南旧事 呼兰河传 生死场 浮生六记 人间词话 苏东坡传 万历十五年 明朝那些事儿 ' +
    '乡土中国 枪炮病菌与钢铁 国富论 思考快与慢 影响力 非暴力沟通 高效能人士的七个习惯 刻意练习 被讨厌的勇气 ' +
    '少有人走的路 置身事内 贫穷的本质 牧羊少年奇幻之旅 瓦尔登湖 沉思录 理想国 论语 道德经 庄子 孟子 史记 资治通鉴 ' +
    '诗经 楚辞 世说新语 聊斋志异 西游记 水浒传 三国演义 儒林外史 镜花缘 老残游记 子夜 雷雨 茶馆 四世同堂 ' +
    '哈利波特 指环王 纳尼亚传奇 小妇人 基督山伯爵 双城记 雾都孤儿 堂吉诃德 浮士德 神曲 哈姆雷特 麦克白 奥德赛 ' +
    '美丽新世界 银河帝国 沙丘 海底两万里 鲁滨逊漂流记 格列佛游记 昆虫记 时间简史 自私的基因 物种起源 从一到无穷大 ' +
    '数学之美 浪潮之巅 黑客与画家 人月神话',
)

const COURSES = words(
  '经典精读营 写作训练营 高效阅读课 演讲与口才 时间管理课 思维导图课 英语阅读营 古诗词鉴赏 哲学入门 历史通识课 ' +
    '经济学通识 心理学入门 亲子共读营 儿童绘本共读 商业写作课 新媒体写作 小说创作营 剧本写作课 书法入门 国画基础课 ' +
    '摄影入门 Python入门 Excel进阶 PPT设计课 数据分析课 产品经理实战 职场沟通课 理财入门 基金定投课 ' +
    '家庭教育课 育儿心理学 正念冥想 瑜伽基础 读书会年卡 精读会员 听书会员 晨读营 夜读营 阅读挑战营 百日读书计划 ' +
    '红楼梦精读 论语精读 唐诗精讲 宋词精讲 散文写作课 诗歌写作课 文学批评 西方哲学史 中国哲学史 艺术史通识 电影鉴赏 ' +
    '音乐欣赏 日语入门 法语入门 速读训练 记忆力训练 逻辑思维课 批判性思维 公众演说 领导力课 创业实战课 营销入门 ' +
    '短视频运营 直播带货课 文案写作 面试技巧 考研英语阅读 四六级阅读 雅思阅读 托福阅读 少儿编程 数学思维课 科学启蒙 ' +
    '国学启蒙 自然博物课 天文入门 围棋入门 象棋入门 口琴入门 声乐基础',
)

const CITIES = words(
  '北京 上海 广州 深圳 成都 杭州 南京 武汉 西安 重庆 天津 苏州 长沙 郑州 青岛 厦门 宁波 合肥 济南 福州 ' +
    '昆明 大连 沈阳 哈尔滨 长春 石家庄 太原 南昌 南宁 贵阳 兰州 银川 西宁 乌鲁木齐 拉萨 呼和浩特 海口 三亚 ' +
    '珠海 佛山 东莞 无锡 常州 温州 绍兴 嘉兴 金华 台州 烟台 潍坊 洛阳 徐州 扬州 泉州 桂林 大理 丽江 香港 ' +
    '澳门 台北',
)

const PRODUCTS = words(
  '帆布袋 书签礼盒 读书笔记本 定制台历 藏书票 阅读灯 书立 钢笔套装 手账本 明信片 文创T恤 保温杯 实木书架 ' +
    '电子阅读器 有声书卡 礼品卡 纸质书套装 精装典藏版 作者签名版 文创盲盒 冰箱贴 鼠标垫 马克杯 折叠雨伞 双肩书包 ' +
    '笔袋 护眼台灯 蓝牙耳机 阅读架 书皮 便签本 荧光笔 贴纸套装 徽章 抱枕 拼图 周边套装 年度书箱 读书月历 藏书章',
)

const PLATFORMS = words(
  '安卓手机 苹果手机 iPad 鸿蒙系统 小米平板 Mac电脑 Windows电脑 微信小程序 网页版 电视端 ' +
    'Kindle 安卓平板 新版app 旧版app 极速版app 车载系统',
)

/** Names the knowledge base does not know, for questions that should find nothing specific. */
const UNKNOWN = words(
  '追忆似水年华 尤利西斯 喧哗与骚动 百鸟朝凤 文城 云边有个小卖部 俗世奇人 我与地坛 陶艺入门 咖啡拉花课 插花艺术 ' +
    '烘焙入门 乌兰察布 景德镇 周庄 黄山 围巾礼盒 帐篷 智能手表 游戏机',
)

const CHAT = words(
  '大家早上好 早安☀️ 晚安～ 哈哈哈哈哈笑死 收到收到 谢谢老师！ 好的好的 辛苦了🙏 今天读了三十页，打卡 ' +
    '这本书真的太好看了 我也觉得这段写得特别好 +1 同意楼上 👍👍👍 周末一起去爬山吗 今天好冷啊，注意保暖 ' +
    '刚下班，回家继续读 这周事情太多了，没怎么读 老师讲得太好了 第二章有点难懂，慢慢啃 我已经交作业啦 发票收到了谢谢 ' +
    '新书到了，开心 今晚的直播我会准时参加 群主辛苦了 欢迎新同学 哈哈哈我也是 明天见 冲鸭💪 读完了，后劲好大 ' +
    '推荐大家看看最后一章 这个观点我不太同意 我昨天也是这么想的 大家加油 今天的金句：读书是最便宜的远行 已打卡 ' +
    '[强][强] 太感动了😭 晚上八点见 终于把上周的笔记补完了',
)

const PREFIXES = [
  '',
  '',
  '请问',
  '请问一下，',
  '麻烦问下 ',
  '@小助手 ',
  '老师好，想问一下',
  '同问：',
  '各位，',
  '急！',
]
const SUFFIXES = ['', '？', '?', '呀', '啊？', '～', '，谢谢', '，在线等', '呢', '🙏']

// ---- Templates ---------------------------------------------------------------------------------
// "q|keyword,keyword|similar;similar": {x} is the name as written in a question (books in 《》),
// {k} the bare name for keywords, {c} the course of a course-and-city entry.

type EntityKind = 'book' | 'course' | 'city' | 'product' | 'platform' | 'courseCity'

const TEMPLATES: Record<EntityKind, [topic: string, spec: string][]> = {
  book: [
    ['refund', '{x}的纸质书买错了可以退吗？|{k}退货,{k}退款|买错了{x}能退吗;{x}不想要了怎么退'],
    ['invoice', '买{x}可以开发票吗？|{k}发票,{k}开票|{x}能报销吗'],
    ['shipping', '{x}什么时候发货？|{k}发货,{k}物流,{k}快递|我买的{x}怎么还没到;{x}几天能到'],
    ['replay', '{x}精读直播的回放在哪看？|{k}回放,{k}录播|{x}那期直播错过了怎么办;{x}有重播吗'],
    ['replay', '{x}的回放能看几次？|{k}回放次数,{k}重播|{x}回放可以反复看吗'],
    ['materials', '{x}的讲义怎么下载？|{k}讲义,{k}课件|{x}的PPT在哪里;{x}有电子资料吗'],
    ['homework', '{x}的作业在哪里交？|{k}作业,交{k}作业|{x}作业截止时间是什么时候'],
    ['reading-notes', '{x}的读书笔记有什么要求？|{k}笔记,{k}读后感|{x}读后感写多少字;{x}的笔记交到哪'],
    ['syllabus', '{x}要读几周？讲哪些内容？|{k}大纲,{k}导读|{x}每周读多少;{x}精读讲什么'],
    ['book-list', '{x}在这期书单里吗？|{k}书单,{k}必读|这期读不读{x}'],
    ['trial', '{x}精读可以先试听吗？|{k}试听,{k}试看|{x}有免费试听吗'],
    ['schedule', '{x}精读什么时候开始？|{k}开课,{k}开读|{x}几号开始读;{x}哪天开讲'],
    ['certificate', '读完{x}有证书吗？|{k}证书,{k}结业|{x}结业证书怎么领'],
    ['points', '{x}可以用积分兑换吗？|{k}积分兑换,{k}兑换|积分能换{x}吗'],
    ['teacher-qa', '{x}的答疑在什么时候？|{k}答疑,{k}提问|{x}有问题问谁'],
    ['checkin-rules', '{x}共读怎么打卡？|{k}打卡,{k}补卡|{x}漏打卡能补吗'],
    ['makeup-class', '{x}那几次课缺了怎么补？|{k}补课,{k}缺课|{x}落下了怎么办'],
    ['playback-speed', '{x}的音频能倍速听吗？|{k}倍速,{k}音频|{x}听书能加速吗'],
    ['offline-events', '有{x}的线下读书会吗？|{k}读书会,{k}沙龙|{x}书友会在哪;{x}线下活动怎么报名'],
    ['validity', '{x}精读课能看多久？|{k}有效期,{k}到期|{x}的课是永久的吗'],
    ['coupon', '{x}能用优惠券吗？|{k}优惠券,{k}折扣|{x}有没有券'],
    ['switch-group', '怎么换到{x}共读群？|{k}共读群,{k}换群|想去{x}的群'],
    ['customer-service', '{x}的售后找哪个客服？|{k}客服,{k}售后|{x}有问题联系谁'],
    ['change-address', '{x}的收货地址填错了怎么改？|{k}地址,{k}改地址|{x}寄错地址了'],
  ],
  course: [
    ['refund', '{x}怎么申请退款？|{k}退款,{k}退费|{x}不想学了能退吗;报错{x}了可以退吗'],
    ['refund', '{x}开课后还能退吗？|{k}退款时限,{k}开课退款|{x}学了一半能退钱吗'],
    ['invoice', '{x}怎么开发票？|{k}发票,{k}开票|{x}报销要发票'],
    ['vat-invoice', '{x}能开增值税专票吗？|{k}专票,{k}对公|公司报{x}要专票'],
    ['installment', '{x}可以分期付款吗？|{k}分期,{k}花呗|{x}能用花呗吗;{x}信用卡分期'],
    ['coupon', '{x}有优惠券吗？|{k}优惠券,{k}优惠|{x}有折扣码吗'],
    ['renewal', '{x}老学员续费多少钱？|{k}续费,{k}续报|{x}到期续费打折吗'],
    ['validity', '{x}的有效期是多久？|{k}有效期,{k}到期|{x}能看几年'],
    ['replay', '{x}的直播有回放吗？|{k}回放,{k}录播|{x}昨天的直播在哪看'],
    ['schedule', '{x}每周几点上课？|{k}上课时间,{k}课表|{x}什么时候上课'],
    ['schedule', '{x}下一期什么时候开课？|{k}开课,{k}下一期|{x}几号开班'],
    ['playback-speed', '{x}的视频能倍速吗？|{k}倍速,{k}快进|{x}能调快一点看吗'],
    ['devices', '{x}能在电脑上看吗？|{k}电脑,{k}平板|{x}支持哪些设备'],
    ['materials', '{x}的资料怎么下载？|{k}资料,{k}课件|{x}的讲义在哪里'],
    ['homework', '{x}的作业怎么交？|{k}作业,{k}交作业|{x}作业什么时候截止'],
    ['makeup-class', '{x}缺了几节课怎么补？|{k}补课,{k}缺课|{x}跟不上了怎么办'],
    ['teacher-qa', '{x}什么时候答疑？|{k}答疑,{k}老师|{x}有问题怎么问老师'],
    ['syllabus', '{x}都讲什么内容？|{k}大纲,{k}内容,{k}目录|{x}有课程大纲吗'],
    ['trial', '{x}可以先试听吗？|{k}试听,{k}体验课|{x}能免费听几节'],
    ['certificate', '{x}学完有结业证书吗？|{k}证书,{k}结业|{x}证书怎么领'],
    ['account-sharing', '{x}一个账号能几个人一起学吗？|{k}共享,{k}共用|{x}能和家人一起用吗'],
    ['switch-group', '{x}可以换班吗？|{k}换班,{k}转班|{x}能换到下一期吗'],
    ['leave-group', '{x}的群怎么退？|{k}退群,{k}群消息|{x}群消息太多了'],
    ['group-rules', '{x}群的群规是什么？|{k}群规,{k}禁言|{x}群里能发链接吗'],
    ['customer-service', '{x}找哪个客服？|{k}客服,{k}班主任|{x}的班主任是谁'],
    ['referral', '推荐朋友报{x}有奖励吗？|{k}推荐,{k}邀请码|邀请好友报{x}有返现吗'],
    ['reading-notes', '{x}要写学习笔记吗？|{k}笔记,{k}心得|{x}的心得交到哪里'],
    ['checkin-rules', '{x}每天要打卡吗？|{k}打卡,{k}补卡|{x}忘记打卡了能补吗'],
    ['forgot-password', '{x}登录不了怎么办？|{k}登录,{k}登不上|{x}的账号密码忘了'],
    ['video-playback', '{x}的视频播放不了怎么办？|{k}卡顿,{k}播放不了|{x}一直加载不出来'],
  ],
  city: [
    ['offline-events', '{x}有线下读书会吗？|{k}线下,{k}读书会|{x}有没有书友会;{x}线下活动怎么报名'],
    ['offline-events', '{x}的读书沙龙在哪里办？|{k}沙龙,{k}活动地点|{x}沙龙的地址是哪'],
    ['shipping', '寄到{x}要几天？|{k}快递,{k}发货|{x}能次日达吗'],
    ['change-address', '收货地址能改到{x}吗？|{k}地址,{k}收货|我搬到{x}了地址怎么改'],
    ['customer-service', '{x}有线下服务点吗？|{k}服务点,{k}门店|{x}有没有线下门店'],
    ['switch-group', '能换到{x}的同城群吗？|{k}同城群,{k}群|{x}同城书友群怎么加'],
    ['schedule', '{x}线下课几点开始？|{k}线下课,{k}上课地点|{x}的线下课在哪上'],
    ['invoice', '{x}的学员能要纸质发票吗？|{k}纸质发票,{k}发票|发票能寄到{x}吗'],
    ['referral', '{x}的同学推荐朋友有奖励吗？|{k}推荐,{k}邀请|在{x}拉人报名有返现吗'],
    ['group-rules', '{x}同城群能发活动广告吗？|{k}广告,{k}群规|{x}群里能发二维码吗'],
  ],
  product: [
    ['shipping', '{x}什么时候发货？|{k}发货,{k}物流|{x}怎么还没到;{x}几天能到'],
    ['refund', '{x}可以退货吗？|{k}退货,{k}退款|{x}不喜欢能退吗'],
    ['points', '{x}要多少积分换？|{k}积分,{k}兑换|积分能换{x}吗'],
    ['coupon', '{x}能用优惠券吗？|{k}优惠券,{k}满减|买{x}有折扣吗'],
    ['invoice', '买{x}能开发票吗？|{k}发票,{k}开票|{x}的发票怎么开'],
    ['change-address', '{x}的收货地址怎么改？|{k}地址,{k}收件人|{x}地址填错了'],
    ['customer-service', '{x}坏了找谁？|{k}售后,{k}质量问题|{x}收到是坏的'],
    ['installment', '{x}能分期吗？|{k}分期,{k}花呗|买{x}能用花呗吗'],
    ['referral', '邀请好友能送{x}吗？|{k}赠品,{k}邀请|拉新送{x}吗'],
    ['validity', '{x}兑换券有效期多久？|{k}兑换券,{k}过期|{x}的券过期了还能用吗'],
  ],
  platform: [
    ['devices', '{x}上能听课吗？|{k}听课,{k}支持|用{x}能看课吗'],
    ['video-playback', '{x}上视频播放不了怎么办？|{k}播放不了,{k}闪退|{x}老是黑屏'],
    ['playback-speed', '{x}上怎么倍速？|{k}倍速,{k}播放速度|{x}能两倍速吗'],
    ['forgot-password', '{x}登录不了怎么办？|{k}登录,{k}登不上|{x}上密码忘了'],
    ['change-phone', '{x}上怎么换绑手机号？|{k}换绑,{k}手机号|{x}怎么改绑定手机'],
    ['materials', '{x}上能下载讲义吗？|{k}下载,{k}讲义|{x}怎么看PDF'],
    ['account-sharing', '{x}和手机能同时登录吗？|{k}同时登录,{k}多设备|{x}算一台设备吗'],
    ['replay', '{x}上怎么看回放？|{k}回放,{k}往期直播|{x}找不到回放'],
    ['leave-group', '{x}上怎么设置群消息免打扰？|{k}免打扰,{k}消息提醒|{x}群消息太吵了'],
  ],
  courseCity: [
    ['offline-events', '{c}在{x}有线下班吗？|{k}{c},{c}线下班|{x}能线下上{c}吗'],
    ['schedule', '{x}的{c}线下课几点上？|{k}{c}上课时间,{c}线下课|{c}{x}班的课表'],
    ['switch-group', '{c}能从线上转到{x}线下班吗？|{c}转线下,{k}{c}转班|{c}想换到{x}上课'],
    ['customer-service', '{x}{c}线下班找谁报名？|{k}{c}报名,{c}班主任|{c}在{x}的负责人是谁'],
  ],
}

interface Template {
  topic: string
  index: number
  q: string
  keywords: string[]
  similar: string[]
}

function parseTemplates(kind: EntityKind): Template[] {
  return TEMPLATES[kind].map(([topic, spec], index) => {
    const [q, keywords, similar] = spec.split('|')
    if (!q || !keywords || !similar) throw new Error(`bad FAQ bench template: ${spec}`)
    return { topic, index, q, keywords: keywords.split(','), similar: similar.split(';') }
  })
}

interface Entity {
  kind: EntityKind
  /** For ids: b12, c3, y40, p7, d2, c3y40. */
  code: string
  name: string
  course?: string
}

const display = (e: Entity) => (e.kind === 'book' ? `《${e.name}》` : e.name)

function fill(text: string, e: Entity, asKeyword: boolean): string {
  return text
    .replaceAll('{x}', asKeyword ? e.name : display(e))
    .replaceAll('{k}', e.name)
    .replaceAll('{c}', e.course ?? '')
}

// ---- Generation --------------------------------------------------------------------------------

type Random = () => number

function pick<T>(rng: Random, list: readonly T[]): T {
  const value = list[Math.floor(rng() * list.length)]
  if (value === undefined) throw new Error('pick from an empty list')
  return value
}

function shuffle<T>(rng: Random, list: T[]): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1))
    const a = list[i] as T
    list[i] = list[j] as T
    list[j] = a
  }
  return list
}

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

interface GeneratedKb {
  real: KbEntry[]
  entries: KbEntry[]
  generated: KbEntry[]
}

/** The real entries plus seeded variants, validated with the knowledge-file schema. */
function generateKnowledgeBase(rng: Random, total: number): GeneratedKb {
  const real = loadYamlFile(join(REPO_ROOT, 'knowledge/example.yaml'), kbFileSchema)
  const realById = new Map(real.map((e) => [e.id, e]))
  const entities: Record<Exclude<EntityKind, 'courseCity'>, Entity[]> = {
    book: BOOKS.map((name, i) => ({ kind: 'book', code: `b${i}`, name })),
    course: COURSES.map((name, i) => ({ kind: 'course', code: `c${i}`, name })),
    city: CITIES.map((name, i) => ({ kind: 'city', code: `y${i}`, name })),
    product: PRODUCTS.map((name, i) => ({ kind: 'product', code: `p${i}`, name })),
    platform: PLATFORMS.map((name, i) => ({ kind: 'platform', code: `d${i}`, name })),
  }
  const singles: [Template, Entity][] = []
  for (const kind of Object.keys(entities) as (keyof typeof entities)[]) {
    const templates = parseTemplates(kind)
    for (const e of entities[kind]) for (const t of templates) singles.push([t, e])
  }
  const pairs: [Template, Entity][] = []
  const pairTemplates = parseTemplates('courseCity')
  COURSES.forEach((course, ci) => {
    CITIES.forEach((city, yi) => {
      const e: Entity = { kind: 'courseCity', code: `c${ci}y${yi}`, name: city, course }
      for (const t of pairTemplates) pairs.push([t, e])
    })
  })
  const need = total - real.length
  const chosen = shuffle(rng, [...shuffle(rng, singles), ...shuffle(rng, pairs)].slice(0, need))
  if (chosen.length < need)
    throw new Error(`FAQ bench: only ${chosen.length} combinations for ${need} entries`)

  const raw = chosen.map(([t, e]) => {
    const base = realById.get(t.topic)
    if (!base) throw new Error(`FAQ bench template for unknown topic ${t.topic}`)
    const keywords = t.keywords.map((k) => fill(k, e, true))
    // Some operators also list the topic's plain keyword, so keywords overlap across entries.
    if (keywords.length < 4 && rng() < 0.35) keywords.push(pick(rng, base.keywords))
    const similar = t.similar.map((s) => fill(s, e, false))
    return {
      id: `${t.topic}-${e.code}-${t.index}`,
      q: fill(t.q, e, false),
      keywords: [...new Set(keywords)],
      similar: similar.length > 1 && rng() < 0.5 ? similar.slice(0, 1) : similar,
      a: `${e.course ? `${e.name}${e.course}` : display(e)}：${base.a}`,
      ...(base.handoff ? { handoff: true } : {}),
    }
  })
  const generated = kbFileSchema.parse(raw)
  const entries = kbFileSchema.parse([...real, ...generated])
  const questions = new Set(entries.map((e) => e.q))
  if (questions.size !== entries.length) throw new Error('FAQ bench: generated questions are not distinct')
  return { real, entries, generated }
}

interface Stream {
  texts: string[]
  kinds: Uint8Array
}

const evalFixtureSchema = (data: unknown) => {
  const d = data as { positives?: { text: string }[]; negatives?: (string | number)[] }
  return {
    positives: (d.positives ?? []).map((p) => String(p.text)),
    negatives: (d.negatives ?? []).map(String),
  }
}

/** The seeded message stream: fixture messages, questions about the KB, chit-chat, long pastes. */
function generateStream(rng: Random, kb: GeneratedKb, count: number): Stream {
  const fixture = evalFixtureSchema(
    parse(readFileSync(join(REPO_ROOT, 'test/fixtures/faq-eval.yaml'), 'utf8')),
  )
  const allTemplates = (Object.keys(TEMPLATES) as EntityKind[])
    .filter((k) => k !== 'courseCity')
    .flatMap(parseTemplates)
  const cumulative: [MessageKind, number][] = []
  let sum = 0
  for (const kind of KINDS) {
    sum += MIX[kind]
    cumulative.push([kind, sum])
  }
  const question = (entry: KbEntry) => {
    let text = rng() < 0.5 ? entry.q : pick(rng, entry.similar.length > 0 ? entry.similar : [entry.q])
    text = text.replace(/[？?]$/, '')
    if (rng() < 0.3) text = text.replace(/[《》]/g, '')
    return `${pick(rng, PREFIXES)}${text}${pick(rng, SUFFIXES)}`
  }
  const texts: string[] = []
  const kinds = new Uint8Array(count)
  for (let i = 0; i < count; i++) {
    const r = rng()
    const kind = cumulative.find(([, upTo]) => r < upTo)?.[0] ?? 'chit-chat'
    kinds[i] = KINDS.indexOf(kind)
    switch (kind) {
      case 'fixture-positive':
        texts.push(pick(rng, fixture.positives))
        break
      case 'fixture-negative':
        texts.push(pick(rng, fixture.negatives))
        break
      case 'kb-question':
        texts.push(question(pick(rng, kb.generated)))
        break
      case 'unknown-question': {
        const t = pick(rng, allTemplates)
        const e: Entity = { kind: 'book', code: 'u', name: pick(rng, UNKNOWN) }
        texts.push(`${pick(rng, PREFIXES)}${fill(t.q, e, false)}`)
        break
      }
      case 'chit-chat':
        texts.push(pick(rng, CHAT))
        break
      case 'long': {
        const length =
          FAQ_CASE.longChars.min + Math.floor(rng() * (FAQ_CASE.longChars.max - FAQ_CASE.longChars.min + 1))
        const tail = rng() < 0.6 ? question(pick(rng, kb.entries)) : ''
        let body = ''
        while (body.length < length - tail.length) {
          const r2 = rng()
          body +=
            r2 < 0.4 ? pick(rng, CHAT) : r2 < 0.8 ? pick(rng, kb.entries).a : question(pick(rng, kb.entries))
          body += pick(rng, ['。', '，', '\n', ' ', '！'])
        }
        texts.push(body.slice(0, Math.max(0, length - tail.length)) + tail)
        break
      }
    }
  }
  return { texts, kinds }
}

// ---- Measurement -------------------------------------------------------------------------------

interface LatencySummary {
  p50: number
  p99: number
  p999: number
  max: number
  mean: number
}

function summarize(samples: Float64Array): LatencySummary {
  const sorted = sortedCopy(samples)
  let sum = 0
  for (const v of samples) sum += v
  return {
    p50: round(percentile(sorted, 0.5), 4),
    p99: round(percentile(sorted, 0.99), 4),
    p999: round(percentile(sorted, 0.999), 4),
    max: round(sorted[sorted.length - 1] ?? 0, 3),
    mean: round(sum / Math.max(1, samples.length), 4),
  }
}

const rssNow = () => process.memoryUsage.rss()

interface MatchRun {
  latency: Float64Array
  outcomes: Record<FaqDecision['kind'], number>
  peakRss: number
}

/** decide() on every message of the stream after the warm-up ones; one latency per message. */
function matchStream(index: FaqIndex, stream: Stream, warmup: number): MatchRun {
  for (let i = 0; i < warmup; i++) decide(index, stream.texts[i] ?? '', FAQ_CASE.match)
  const n = stream.texts.length - warmup
  const latency = new Float64Array(n)
  const outcomes: Record<FaqDecision['kind'], number> = { answer: 0, choose: 0, none: 0 }
  let peakRss = rssNow()
  for (let i = 0; i < n; i++) {
    const text = stream.texts[warmup + i] ?? ''
    const before = performance.now()
    const decision = decide(index, text, FAQ_CASE.match)
    latency[i] = performance.now() - before
    outcomes[decision.kind]++
    if ((i & 255) === 0) peakRss = Math.max(peakRss, rssNow())
  }
  return { latency, outcomes, peakRss: Math.max(peakRss, rssNow()) }
}

type ByKind = Record<MessageKind, { count: number; p50: number; p99: number; max: number }>

export interface FaqResults {
  seed: number
  entries: number
  realEntries: number
  generatedEntries: number
  distinctTokens: number
  distinctKeywords: number
  meanKeywordsPerEntry: number
  generationMs: number
  jieba: { segmenterCallMs: number; coldDictLoadMs: number }
  buildMs: number
  rebuildMs: number
  messages: { warmup: number; timed: number; mix: Record<MessageKind, number> }
  match: typeof FAQ_CASE.match
  latencyMs: LatencySummary
  byKind: ByKind
  outcomes: Record<FaqDecision['kind'], number>
  rssMb: { beforeBuild: number; afterBuild: number; buildDelta: number; peakMatching: number }
  realKb: {
    entries: number
    buildMs: number
    latencyMs: LatencySummary
    byKind: ByKind
    outcomes: Record<FaqDecision['kind'], number>
  }
  totalMs: number
}

/** The seeded knowledge base and message stream of the case (for profiling scripts too). */
export function generateFaqWorkload() {
  const rng = seededRandom(FAQ_CASE.seed)
  const kb = generateKnowledgeBase(rng, FAQ_CASE.entries)
  const stream = generateStream(rng, kb, FAQ_CASE.warmup + FAQ_CASE.timed)
  return { kb, stream }
}

export function runFaqCase(): FaqResults {
  const started = performance.now()
  const segStarted = performance.now()
  segmenter()
  const segmenterCallMs = performance.now() - segStarted

  const genStarted = performance.now()
  const { kb, stream } = generateFaqWorkload()
  const generationMs = performance.now() - genStarted

  // The real entries alone first: building the big index adds its keywords to the shared segmenter.
  const realStarted = performance.now()
  const realIndex = buildIndex(kb.real)
  const realBuildMs = performance.now() - realStarted
  const realRun = matchStream(realIndex, stream, FAQ_CASE.warmup)

  const rssBefore = rssNow()
  const buildStarted = performance.now()
  let index = buildIndex(kb.entries)
  const buildMs = performance.now() - buildStarted
  const rssAfter = rssNow()
  const run = matchStream(index, stream, FAQ_CASE.warmup)

  // A hot reload rebuilds the whole index; the second build runs on warm code.
  const rebuildStarted = performance.now()
  index = buildIndex(kb.entries)
  const rebuildMs = performance.now() - rebuildStarted

  // The pipeline's FAQ stage has usually loaded the segmenter already; a fresh instance shows
  // what the first segmenter() call of a process costs. Last, so its memory stays out of the RSS.
  const coldStarted = performance.now()
  Jieba.withDict(dict)
  const coldDictLoadMs = performance.now() - coldStarted

  const timedKinds = stream.kinds.subarray(FAQ_CASE.warmup)
  const mix = {} as Record<MessageKind, number>
  const perKind = (latency: Float64Array) => {
    const out = {} as ByKind
    KINDS.forEach((kind, k) => {
      const samples = latency.filter((_, i) => timedKinds[i] === k)
      const s = summarize(samples)
      mix[kind] = samples.length
      out[kind] = { count: samples.length, p50: s.p50, p99: s.p99, max: s.max }
    })
    return out
  }
  const byKind = perKind(run.latency)
  const realByKind = perKind(realRun.latency)
  const keywordCount = kb.entries.reduce((s, e) => s + e.keywords.length, 0)
  return {
    seed: FAQ_CASE.seed,
    entries: kb.entries.length,
    realEntries: kb.real.length,
    generatedEntries: kb.generated.length,
    distinctTokens: index.byToken.size,
    distinctKeywords: index.byKeyword.size + index.longKeywords.length,
    meanKeywordsPerEntry: round(keywordCount / kb.entries.length, 2),
    generationMs: round(generationMs, 1),
    jieba: { segmenterCallMs: round(segmenterCallMs, 3), coldDictLoadMs: round(coldDictLoadMs, 1) },
    buildMs: round(buildMs, 1),
    rebuildMs: round(rebuildMs, 1),
    messages: { warmup: FAQ_CASE.warmup, timed: FAQ_CASE.timed, mix },
    match: FAQ_CASE.match,
    latencyMs: summarize(run.latency),
    byKind,
    outcomes: run.outcomes,
    rssMb: {
      beforeBuild: round(rssBefore / MB, 1),
      afterBuild: round(rssAfter / MB, 1),
      buildDelta: round((rssAfter - rssBefore) / MB, 1),
      peakMatching: round(run.peakRss / MB, 1),
    },
    realKb: {
      entries: kb.real.length,
      buildMs: round(realBuildMs, 2),
      latencyMs: summarize(realRun.latency),
      byKind: realByKind,
      outcomes: realRun.outcomes,
    },
    totalMs: round(performance.now() - started, 0),
  }
}

export function printFaqSection(r: FaqResults): void {
  const line = (label: string, value: string) => console.log(`  ${label.padEnd(26)} ${value}`)
  const lat = (l: LatencySummary) =>
    `p50 ${l.p50}  p99 ${l.p99}  p99.9 ${l.p999}  max ${l.max}  mean ${l.mean}`
  console.log(`\n  FAQ (${r.entries.toLocaleString('en-US')} entries)`)
  line(
    'knowledge base',
    `${r.realEntries} real + ${r.generatedEntries} generated; ${r.distinctTokens} distinct tokens, ${r.distinctKeywords} distinct keywords (${r.meanKeywordsPerEntry}/entry); generated in ${r.generationMs} ms`,
  )
  line(
    'jieba dictionary',
    `cold load ${r.jieba.coldDictLoadMs} ms; segmenter() call ${r.jieba.segmenterCallMs} ms (${r.jieba.segmenterCallMs < 5 ? 'already loaded by the pipeline' : 'first load'})`,
  )
  line('index build', `${r.buildMs} ms  (hot-reload rebuild ${r.rebuildMs} ms)`)
  line(`decide() latency (ms)`, `${lat(r.latencyMs)}`)
  line(
    '',
    `${r.messages.timed} messages after ${r.messages.warmup} warm-up; threshold ${r.match.threshold}, margin ${r.match.margin}`,
  )
  line('outcomes', `answer ${r.outcomes.answer}, choose ${r.outcomes.choose}, none ${r.outcomes.none}`)
  console.log('    kind               count    p50 ms    p99 ms     max ms')
  for (const [kind, s] of Object.entries(r.byKind)) {
    console.log(
      `    ${kind.padEnd(17)} ${String(s.count).padStart(6)} ${s.p50.toFixed(4).padStart(9)} ${s.p99.toFixed(4).padStart(9)} ${s.max.toFixed(3).padStart(10)}`,
    )
  }
  line(`${r.realKb.entries}-entry real KB (ms)`, `${lat(r.realKb.latencyMs)}  (build ${r.realKb.buildMs} ms)`)
  line(
    'RSS',
    `${r.rssMb.beforeBuild} MB before build, ${r.rssMb.afterBuild} MB after (+${r.rssMb.buildDelta}), peak while matching ${r.rssMb.peakMatching} MB`,
  )
  line('FAQ case run time', `${r.totalMs} ms`)
}
