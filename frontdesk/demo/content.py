"""What the demo workspaces contain: businesses, staff, channels and conversation scenarios.

Only data lives here; ``frontdesk.demo.seed`` turns it into rows. Texts come
in English, Traditional Chinese and Simplified Chinese, keyed by the language
codes of ``settings.LANGUAGES``, and use ``str.format`` slots (``{flight}``,
``{order}``…) that the seeder fills in per conversation.
"""

# Chinese text is written with full-width punctuation, as its readers expect.

from __future__ import annotations

from dataclasses import dataclass, field

from frontdesk.channels.models import ChannelKind
from frontdesk.conversations.models import Priority
from frontdesk.core.models import Role
from frontdesk.demo import DEMO_ADMIN_EMAIL, DEMO_AGENT_EMAIL

EN = "en"
HANT = "zh-hant"
HANS = "zh-hans"
LANGUAGES = (EN, HANT, HANS)

type Texts = dict[str, tuple[str, ...]]


def texts(en: str | tuple[str, ...], hant: str | tuple[str, ...], hans: str | tuple[str, ...]) -> Texts:
    """One text (or several variants) per language."""

    def variants(value: str | tuple[str, ...]) -> tuple[str, ...]:
        return (value,) if isinstance(value, str) else value

    return {EN: variants(en), HANT: variants(hant), HANS: variants(hans)}


NO_TEXTS: Texts = {EN: (), HANT: (), HANS: ()}


@dataclass(frozen=True)
class Scenario:
    """One kind of customer problem, told as a small script of interchangeable lines."""

    key: str
    team: str
    labels: tuple[str, ...]
    priorities: tuple[Priority, ...]
    subject: Texts
    opening: Texts
    reply: Texts
    notes: Texts
    detail: Texts = field(default_factory=lambda: NO_TEXTS)
    follow_up: Texts = field(default_factory=lambda: NO_TEXTS)
    resolution: Texts = field(default_factory=lambda: NO_TEXTS)
    # How often the customer is upset enough for the conversation to be labelled a complaint.
    complaint_chance: float = 0.0
    weight: int = 10
    # Compliments rarely stay open.
    resolved_share: float = 0.58


@dataclass(frozen=True)
class StaffSpec:
    role: Role
    language: str
    time_zone: str
    teams: tuple[str, ...]
    email: str | None = None  # a fixed demo login; other staff get generated addresses


@dataclass(frozen=True)
class ChannelSpec:
    kind: ChannelKind
    name: str
    config: dict[str, object]
    secret_names: tuple[str, ...]


@dataclass(frozen=True)
class WorkspaceSpec:
    name: str
    slug: str
    # Which customer attributes fit: "airline" (frequent-flyer number, miles) or "shop" (customer id, orders).
    business: str
    email_domain: str
    default_language: str
    time_zone: str
    # The part of the requested contacts and conversations that goes to this workspace.
    share: float
    teams: tuple[tuple[str, str], ...]
    labels: tuple[tuple[str, str, str], ...]
    channels: tuple[ChannelSpec, ...]
    staff: tuple[StaffSpec, ...]
    language_mix: dict[str, int]
    # Which channels customers of each language reach us on, with weights.
    channel_preferences: dict[str, tuple[tuple[ChannelKind, int], ...]]
    # Contact attributes: tier names with weights; the top tiers count as VIP.
    tiers: tuple[tuple[str, int], ...]
    vip_tiers: tuple[str, ...]
    scenarios: tuple[Scenario, ...]
    # Saved replies agents insert with "/": (shortcut, title, text with {{ variables }}).
    canned: tuple[tuple[str, str, str], ...] = ()


HONG_KONG = "Asia/Hong_Kong"
TAIPEI = "Asia/Taipei"
SHANGHAI = "Asia/Shanghai"
TIME_ZONES = {EN: HONG_KONG, HANT: HONG_KONG, HANS: SHANGHAI}

# Staff names come from a small romanised table so that each address matches its
# owner's name (mei-ling.chan@… for 陳美玲), which generated Chinese names cannot promise.
# (Traditional, Simplified, Hong Kong romanisation, Taiwan romanisation, pinyin)
STAFF_SURNAMES = (
    ("陳", "陈", "Chan", "Chen", "Chen"),
    ("李", "李", "Lee", "Lee", "Li"),
    ("張", "张", "Cheung", "Chang", "Zhang"),
    ("黃", "黄", "Wong", "Huang", "Huang"),
    ("林", "林", "Lam", "Lin", "Lin"),
    ("劉", "刘", "Lau", "Liu", "Liu"),
    ("吳", "吴", "Ng", "Wu", "Wu"),
    ("楊", "杨", "Yeung", "Yang", "Yang"),
    ("何", "何", "Ho", "Ho", "He"),
    ("周", "周", "Chow", "Chou", "Zhou"),
    ("鄭", "郑", "Cheng", "Cheng", "Zheng"),
    ("梁", "梁", "Leung", "Liang", "Liang"),
    ("謝", "谢", "Tse", "Hsieh", "Xie"),
    ("許", "许", "Hui", "Hsu", "Xu"),
)
STAFF_GIVEN_NAMES = (
    ("美玲", "美玲", "Mei-ling", "Mei-ling", "Meiling"),
    ("嘉欣", "嘉欣", "Ka-yan", "Chia-hsin", "Jiaxin"),
    ("志明", "志明", "Chi-ming", "Chih-ming", "Zhiming"),
    ("家豪", "家豪", "Ka-ho", "Chia-hao", "Jiahao"),
    ("詠詩", "咏诗", "Wing-sze", "Yung-shih", "Yongshi"),
    ("俊傑", "俊杰", "Chun-kit", "Chun-chieh", "Junjie"),
    ("慧敏", "慧敏", "Wai-man", "Hui-min", "Huimin"),
    ("子軒", "子轩", "Tsz-hin", "Tzu-hsuan", "Zixuan"),
    ("雅婷", "雅婷", "Nga-ting", "Ya-ting", "Yating"),
    ("建華", "建华", "Kin-wah", "Chien-hua", "Jianhua"),
    ("曉彤", "晓彤", "Hiu-tung", "Hsiao-tung", "Xiaotong"),
    ("浩然", "浩然", "Ho-yin", "Hao-jan", "Haoran"),
    ("靜怡", "静怡", "Ching-yi", "Ching-yi", "Jingyi"),
    ("文傑", "文杰", "Man-kit", "Wen-chieh", "Wenjie"),
)

# Faker locales for customer names, per language.
FAKER_LOCALES = {EN: "en_GB", HANT: "zh_TW", HANS: "zh_CN"}

CITIES = {
    EN: ("Hong Kong", "Singapore", "London", "Sydney", "Vancouver", "Manila", "Kuala Lumpur"),
    HANT: ("香港", "九龍", "沙田", "台北", "台中", "高雄", "澳門"),
    HANS: ("上海", "深圳", "广州", "北京", "杭州", "成都"),
}
EMAIL_DOMAINS = {
    EN: ("gmail.com", "outlook.com", "icloud.com", "yahoo.co.uk", "hotmail.com"),
    HANT: ("gmail.com", "yahoo.com.hk", "yahoo.com.tw", "netvigator.com", "hotmail.com"),
    HANS: ("qq.com", "163.com", "126.com", "gmail.com"),
}
# Country code and the first digits of a mobile number, per language, with weights.
PHONE_PLANS = {
    EN: (("852", ("5", "6", "9"), 8, 5), ("65", ("8", "9"), 8, 2), ("44", ("7",), 10, 2), ("61", ("4",), 9, 1)),
    HANT: (("852", ("5", "6", "9"), 8, 6), ("886", ("9",), 9, 3), ("853", ("6",), 8, 1)),
    HANS: (("86", ("13", "15", "18"), 11, 1),),
}

GREETINGS = texts(
    en=(
        "Hi {first_name}! ",
        "Hello {first_name}, thanks for getting in touch. ",
        "Hi {first_name}, thanks for your message. ",
    ),
    hant=("{name}您好，", "您好！", "{name}你好，"),
    hans=("{name}您好，", "您好！", "{name}你好，"),
)
CLOSINGS = texts(
    en=("", " Is there anything else I can help with?", " Have a great day!"),
    hant=("", "請問還有其他可以幫到您的地方嗎？", "祝您生活愉快！"),
    hans=("", "请问还有其他需要帮忙的吗？", "祝您生活愉快！"),
)
THANKS = texts(
    en=("Thank you so much!", "Great, thanks for your help.", "Perfect, thanks!", "Thanks, that's all I needed."),
    hant=("謝謝你！", "好的，非常感謝！", "唔該晒！", "收到，謝謝幫忙。"),
    hans=("谢谢！", "好的，非常感谢！", "收到，谢谢帮忙。", "太好了，谢谢！"),
)
NUDGES = texts(
    en=("Hello? Is anyone there?", "Any update on this?", "Sorry to chase, but I still need an answer."),
    hant=("請問有人在嗎？", "有消息了嗎？", "麻煩盡快回覆，謝謝。", "喂，有冇人覆我呀？"),
    hans=("请问有人在吗？", "有消息了吗？", "麻烦尽快回复，谢谢。"),
)

# Why an outgoing message failed, in the provider's words.
FAILURE_REASONS = {
    ChannelKind.WHATSAPP: (
        "(#131047) Re-engagement message: more than 24 hours have passed since the customer last replied"
    ),
    ChannelKind.MESSENGER: "(#10) This message is sent outside of allowed window",
    ChannelKind.INSTAGRAM: "(#10) This message is sent outside of allowed window",
    ChannelKind.LINE: "The user has blocked the official account",
    ChannelKind.TELEGRAM: "Forbidden: bot was blocked by the user",
    ChannelKind.WECHAT: "45015: response out of time limit or subscription is canceled",
    ChannelKind.EMAIL: "550 5.1.1 The email account that you tried to reach does not exist",
    ChannelKind.WEBCHAT: "The visitor left before the message could be delivered",
    ChannelKind.SMS: "Undeliverable: unknown subscriber",
    ChannelKind.X: "You cannot send messages to this user.",
}

AIRLINE_ROUTES = (
    ("Hong Kong – Taipei", "香港—台北", "香港—台北"),
    ("Hong Kong – Tokyo", "香港—東京", "香港—东京"),
    ("Hong Kong – London", "香港—倫敦", "香港—伦敦"),
    ("Hong Kong – Shanghai", "香港—上海", "香港—上海"),
    ("Hong Kong – Bangkok", "香港—曼谷", "香港—曼谷"),
    ("Hong Kong – Singapore", "香港—新加坡", "香港—新加坡"),
    ("Taipei – Hong Kong", "台北—香港", "台北—香港"),
)
PRODUCTS = (
    ("wireless earbuds", "無線耳機", "无线耳机"),
    ("air fryer", "氣炸鍋", "空气炸锅"),
    ("rice cooker", "電飯煲", "电饭煲"),
    ("smart watch", "智能手錶", "智能手表"),
    ("desk lamp", "檯燈", "台灯"),
    ("backpack", "背囊", "双肩包"),
    ("Bluetooth speaker", "藍牙喇叭", "蓝牙音箱"),
    ("robot vacuum", "掃地機械人", "扫地机器人"),
)
SCREENS = (
    ("55-inch 4K TV", "55吋 4K 電視", "55英寸 4K 电视"),
    ("65-inch OLED TV", "65吋 OLED 電視", "65英寸 OLED 电视"),
    ("game console", "遊戲機", "游戏机"),
    ("projector", "投影機", "投影仪"),
)
APPAREL = (
    ("hoodie", "連帽衛衣", "连帽卫衣"),
    ("linen shirt", "亞麻襯衫", "亚麻衬衫"),
    ("rain jacket", "防水外套", "防水外套"),
    ("polo shirt", "Polo 恤", "Polo 衫"),
)
COURIERS = (("SF Express", "順豐速運", "顺丰速运"), ("Kerry Express", "嘉里快遞", "嘉里快递"))
SIZES = ("S", "M", "L", "XL")

_RESERVATIONS = "Reservations"
_BAGGAGE = "Baggage"
_LOYALTY = "Loyalty"

AIRLINE_SCENARIOS = (
    Scenario(
        key="flight-cancelled",
        team=_RESERVATIONS,
        labels=("rebooking",),
        priorities=(Priority.MEDIUM, Priority.HIGH, Priority.HIGH),
        weight=14,
        complaint_chance=0.3,
        subject=texts("Flight {flight} on {date} cancelled", "{date} {flight} 航班取消", "{date} {flight} 航班取消了"),
        opening=texts(
            en=(
                "Hi, I just got a text saying my flight {flight} on {date} is cancelled. "
                "What are my options? Booking ref {pnr}.",
                "My flight {flight} ({route}) on {date} has been cancelled and nobody at the airport can tell me "
                "anything. I need to get there by tomorrow.",
            ),
            hant=(
                "你好，我剛收到短訊說 {date} 的 {flight} 航班取消了，訂位編號 {pnr}，請問現在可以怎樣處理？",
                "{flight}（{route}）突然取消，機場櫃檯排了很長的隊，我們一家四口明天一定要到，請幫忙！",
                "你好，我 {date} 嗰班 {flight} 話取消咗，點算好？訂位編號係 {pnr}。",
            ),
            hans=(
                "你好，我刚收到短信说 {date} 的 {flight} 航班取消了，订座编号 {pnr}，现在怎么办？",
                "{flight}（{route}）航班取消了，机场柜台排队很长，我们明天必须到，麻烦帮忙处理一下。",
            ),
        ),
        detail=texts(
            "The booking is under my name, {name}. There are two of us travelling.",
            "訂位是用我的名字 {name}，一共兩位乘客。",
            "订座是用我的名字 {name}，一共两位乘客。",
        ),
        reply=texts(
            en=(
                "I'm sorry your flight {flight} was cancelled. I can rebook you on {new_flight} on {new_date} at no "
                "extra cost, or refund the unused ticket in full. Which would you prefer?",
                "Sorry for the disruption. The next available flight is {new_flight} on {new_date}; I have held two "
                "seats for you. Shall I confirm them?",
            ),
            hant=(
                "很抱歉 {flight} 航班取消為您帶來不便。我們可以免費為您改到 {new_date} 的 {new_flight}，"
                "或者全數退還未使用的機票，請問您想選擇哪一個？",
                "非常抱歉。下一班有空位的是 {new_date} 的 {new_flight}，我已為您暫時保留座位，需要幫您確認嗎？",
            ),
            hans=(
                "很抱歉 {flight} 航班取消给您带来不便。我们可以免费为您改到 {new_date} 的 {new_flight}，"
                "或者全额退还未使用的机票，请问您选择哪一个？",
                "非常抱歉。下一班有空位的是 {new_date} 的 {new_flight}，我已为您暂时保留座位，需要帮您确认吗？",
            ),
        ),
        follow_up=texts(
            en=(
                "Please put us on {new_flight}. Can we still sit together?",
                "Can I get a hotel voucher for tonight as well?",
            ),
            hant=("麻煩幫我改 {new_flight}，座位可以安排坐在一起嗎？", "那今晚的酒店可以安排嗎？"),
            hans=("麻烦帮我改到 {new_flight}，座位能安排坐在一起吗？", "那今晚的酒店可以安排吗？"),
        ),
        resolution=texts(
            en=(
                "Done — you are confirmed on {new_flight} on {new_date}, seat {seat} and the one next to it. "
                "Your new e-ticket is on its way by email.",
                "I've added a hotel voucher for tonight to your booking {pnr}; show it at the transfer desk in the "
                "arrivals hall.",
            ),
            hant=(
                "已為您確認 {new_date} 的 {new_flight}，座位 {seat} 及旁邊的座位，新的電子機票已發送到您的電郵。",
                "已在訂位 {pnr} 加入今晚的酒店住宿券，請到抵港大堂的轉機櫃檯出示。",
            ),
            hans=(
                "已为您确认 {new_date} 的 {new_flight}，座位 {seat} 及旁边的座位，新的电子机票已发送到您的邮箱。",
                "已在订座 {pnr} 加入今晚的酒店住宿券，请到到达大厅的中转柜台出示。",
            ),
        ),
        notes=texts(
            en=(
                "Ops confirmed {flight} cancelled for crew shortage — change fees waived.",
                "Offered {new_flight}; holding seats until 18:00.",
            ),
            hant=("{flight} 因機組人手不足取消，已獲批豁免改票費。", "已為客人暫留 {new_flight} 的座位至18:00。"),
            hans=("{flight} 因机组人员不足取消，已批准免改签费。", "已为客人暂留 {new_flight} 的座位到18:00。"),
        ),
    ),
    Scenario(
        key="flight-delayed",
        team=_RESERVATIONS,
        labels=(),
        priorities=(Priority.LOW, Priority.MEDIUM),
        weight=10,
        complaint_chance=0.5,
        subject=texts("Delay on {flight}", "{flight} 延誤", "{flight} 延误"),
        opening=texts(
            en=(
                "{flight} is showing a 4 hour delay. I have a connection in Bangkok — will I miss it?",
                "Why is {flight} delayed again? This is the second time this month.",
            ),
            hant=(
                "{flight} 顯示延誤四個小時，我在曼谷要轉機，會不會趕不上？",
                "{flight} 又延誤了，這個月已經第二次，可以給個解釋嗎？",
            ),
            hans=(
                "{flight} 显示延误四个小时，我在曼谷要转机，会不会赶不上？",
                "{flight} 又延误了，这个月已经第二次了，能给个解释吗？",
            ),
        ),
        detail=texts("My booking reference is {pnr}.", "訂位編號是 {pnr}。", "订座编号是 {pnr}。"),
        reply=texts(
            en=(
                "I'm sorry about the delay. {flight} is now expected to depart at 21:40 because the inbound aircraft "
                "arrived late. I've protected you on the next connection at no cost.",
                "Apologies for the wait. The delay is due to weather at the destination; we will send updates by "
                "SMS and in the app.",
            ),
            hant=(
                "很抱歉航班延誤。由於前一班飛機晚到，{flight} 預計21:40起飛，"
                "我已為您預留下一班轉機的座位，無需額外費用。",
                "抱歉讓您久等。延誤是因為目的地天氣欠佳，我們會用短訊及 App 通知最新情況。",
            ),
            hans=(
                "很抱歉航班延误。由于前序航班晚到，{flight} 预计21:40起飞，"
                "我已为您预留下一班中转航班的座位，无需额外费用。",
                "抱歉让您久等。延误是因为目的地天气不好，我们会通过短信和 App 通知最新情况。",
            ),
        ),
        follow_up=texts(
            en=(
                "OK, and will I get a meal voucher while I wait?",
                "Thanks. Can you send me the new connection details in writing?",
            ),
            hant=("好的，等候期間會提供餐券嗎？", "謝謝，可以把新的轉機資料用文字發給我嗎？"),
            hans=("好的，等候期间会提供餐券吗？", "谢谢，能把新的中转信息用文字发给我吗？"),
        ),
        resolution=texts(
            en=(
                "Yes — a HK$150 meal voucher has been added to your boarding pass; any restaurant airside accepts it.",
                "Your new connection is confirmed and the itinerary has been emailed to you. Have a safe flight.",
            ),
            hant=(
                "可以的，HK$150 的餐券已加到您的登機證，禁區內的餐廳都可以使用。",
                "新的轉機航班已確認，行程單已電郵給您，祝您旅途愉快。",
            ),
            hans=(
                "可以的，HK$150 的餐券已添加到您的登机牌，隔离区内的餐厅都可以使用。",
                "新的中转航班已确认，行程单已发到您的邮箱，祝您旅途愉快。",
            ),
        ),
        notes=texts(
            en=(
                "Delay code 93 (late inbound aircraft). Connection protected.",
                "Second delay for this customer this month; consider goodwill miles.",
            ),
            hant=("延誤原因：前序航班晚到，已保護轉機。", "客人本月已遇過一次延誤，可考慮補償里數。"),
            hans=("延误原因：前序航班晚到，已保护中转。", "客人本月已遇到过一次延误，可考虑补偿里程。"),
        ),
    ),
    Scenario(
        key="rebooking",
        team=_RESERVATIONS,
        labels=("rebooking",),
        priorities=(Priority.NONE, Priority.LOW),
        weight=12,
        subject=texts("Change date for booking {pnr}", "更改訂位 {pnr} 的日期", "更改订座 {pnr} 的日期"),
        opening=texts(
            en=(
                "Hello, I need to change my flight {flight} from {date} to {new_date}. Is that possible and how much "
                "is the fee?",
                "Can I move my return flight to a later date? Booking {pnr}.",
            ),
            hant=(
                "你好，我想把 {date} 的 {flight} 改到 {new_date}，請問可以嗎？手續費多少？",
                "請問回程可以改晚一點嗎？訂位編號 {pnr}。",
            ),
            hans=(
                "你好，我想把 {date} 的 {flight} 改到 {new_date}，请问可以吗？手续费多少？",
                "请问回程可以改晚一点吗？订座编号 {pnr}。",
            ),
        ),
        detail=texts(
            "I'm flexible on the time, morning flights preferred.",
            "時間沒所謂，最好是早上的航班。",
            "时间无所谓，最好是上午的航班。",
        ),
        reply=texts(
            en=(
                "Sure. {new_flight} on {new_date} has seats. Your fare allows changes for a fee of {change_fee} "
                "plus any fare difference. Would you like me to go ahead?",
                "I can do that for you. There is no change fee on your fare; shall I move you to {new_flight} on "
                "{new_date}?",
            ),
            hant=(
                "可以的。{new_date} 的 {new_flight} 仍有座位，您的票價可以更改，手續費 {change_fee}，"
                "另需補回票價差額，需要幫您辦理嗎？",
                "沒問題，您的票價更改免手續費，需要幫您改到 {new_date} 的 {new_flight} 嗎？",
            ),
            hans=(
                "可以的。{new_date} 的 {new_flight} 还有座位，您的票价可以改签，手续费 {change_fee}，"
                "另需补票价差额，需要帮您办理吗？",
                "没问题，您的票价改签免手续费，需要帮您改到 {new_date} 的 {new_flight} 吗？",
            ),
        ),
        follow_up=texts(
            en=("Yes please, go ahead.", "Yes. Can I pay with the card I used for the booking?"),
            hant=("好，麻煩你幫我改。", "好的，可以用之前那張信用卡付款嗎？"),
            hans=("好的，麻烦帮我改。", "好的，可以用之前那张信用卡付款吗？"),
        ),
        resolution=texts(
            en=(
                "All set: you are now on {new_flight} on {new_date}. The updated e-ticket has been sent to your email.",
                "Payment received and your booking {pnr} is updated. See you on board!",
            ),
            hant=(
                "已為您改到 {new_date} 的 {new_flight}，更新後的電子機票已發送到您的電郵。",
                "已收到款項，訂位 {pnr} 已更新，期待您再次乘搭。",
            ),
            hans=(
                "已为您改到 {new_date} 的 {new_flight}，更新后的电子机票已发送到您的邮箱。",
                "已收到款项，订座 {pnr} 已更新，期待您再次乘坐。",
            ),
        ),
        notes=texts(
            en=("Fare basis allows one free change.", "Collected change fee {change_fee}."),
            hant=("票價規則容許一次免費更改。", "已收取改票手續費 {change_fee}。"),
            hans=("票价规则允许一次免费改签。", "已收取改签手续费 {change_fee}。"),
        ),
    ),
    Scenario(
        key="airline-refund",
        team=_RESERVATIONS,
        labels=("refund",),
        priorities=(Priority.LOW, Priority.MEDIUM),
        weight=12,
        complaint_chance=0.3,
        subject=texts("Refund for {pnr}", "訂位 {pnr} 退款", "订座 {pnr} 退款"),
        opening=texts(
            en=(
                "I cancelled my trip three weeks ago and still haven't received the refund of {amount}. Booking {pnr}.",
                "How long does a refund take? I requested it on {past_date}.",
            ),
            hant=(
                "我三個星期前已取消行程，但還沒收到 {amount} 的退款，訂位編號 {pnr}。",
                "請問退款要多久？我在 {past_date} 已經申請了。",
                "我 {past_date} 申請咗退款，到而家都未收到 {amount}，可唔可以幫我查下？",
            ),
            hans=(
                "我三个星期前就取消了行程，但还没收到 {amount} 的退款，订座编号 {pnr}。",
                "请问退款要多久？我 {past_date} 已经申请了。",
            ),
        ),
        detail=texts(
            "I paid with a Visa card ending {card_digits}.",
            "當時是用尾號 {card_digits} 的 Visa 卡付款。",
            "当时是用尾号 {card_digits} 的 Visa 卡付款的。",
        ),
        reply=texts(
            en=(
                "Thanks for your patience. The refund of {amount} was approved; card refunds take 7–14 working days "
                "to appear, depending on your bank.",
                "I've checked {pnr}: the refund was stuck waiting for a manual review. I've escalated it to our "
                "refunds team today.",
            ),
            hant=(
                "謝謝您耐心等候。{amount} 的退款已經批核，信用卡退款一般需要 7 至 14 個工作天，視乎發卡銀行。",
                "我查過訂位 {pnr}，退款正在等候人手審核，今天已轉交退款部門加快處理。",
            ),
            hans=(
                "感谢您耐心等待。{amount} 的退款已经审核通过，"
                "信用卡退款一般需要 7 至 14 个工作日到账，视发卡银行而定。",
                "我查了订座 {pnr}，退款在等待人工审核，今天已转交退款部门加急处理。",
            ),
        ),
        follow_up=texts(
            en=(
                "It's been more than 14 days now. Can you give me a reference number for the bank?",
                "OK, please let me know when it's processed.",
            ),
            hant=("已經超過14天了，可以給我一個參考編號讓我問銀行嗎？", "好的，處理好請通知我。"),
            hans=("已经超过14天了，能给我一个参考编号去问银行吗？", "好的，处理好了请通知我。"),
        ),
        resolution=texts(
            en=(
                "The refund of {amount} was sent yesterday, reference {refund_ref}. Your bank can trace it with "
                "that number.",
                "Good news: the refund of {amount} has been processed today. You should see it on your statement "
                "within a few days.",
            ),
            hant=(
                "{amount} 的退款已於昨天發出，參考編號 {refund_ref}，銀行可以憑此編號查詢。",
                "好消息：{amount} 的退款今天已處理，數天內會在您的月結單上顯示。",
            ),
            hans=(
                "{amount} 的退款已于昨天发出，参考编号 {refund_ref}，银行可以凭此编号查询。",
                "好消息：{amount} 的退款今天已处理，几天内会在您的账单上显示。",
            ),
        ),
        notes=texts(
            en=("Refund stuck in the manual review queue — escalated to finance.", "Finance confirmed {refund_ref}."),
            hant=("退款卡在人手審核，已轉交財務部。", "財務部確認退款編號 {refund_ref}。"),
            hans=("退款卡在人工审核，已转交财务部。", "财务部确认退款编号 {refund_ref}。"),
        ),
    ),
    Scenario(
        key="baggage-lost",
        team=_BAGGAGE,
        labels=("baggage",),
        priorities=(Priority.HIGH, Priority.HIGH, Priority.URGENT),
        weight=12,
        complaint_chance=0.4,
        subject=texts("Bag missing after {flight}", "{flight} 行李遺失", "{flight} 行李丢失"),
        opening=texts(
            en=(
                "My suitcase didn't arrive on {flight} yesterday. I filed a report at the airport, tag number "
                "{bag_tag}. Any news?",
                "Still no sign of my bag, tag {bag_tag}. It has all my work clothes and I have meetings tomorrow.",
            ),
            hant=(
                "我昨天搭 {flight}，行李沒有到，已經在機場報失，行李牌號碼 {bag_tag}，請問有消息嗎？",
                "行李 {bag_tag} 到現在還沒找到，裡面有我們全家的衣服，可以幫忙跟進嗎？",
                "我坐 {flight} 返嚟，行李冇到呀！行李牌 {bag_tag}，幾時先搵到？",
            ),
            hans=(
                "我昨天坐 {flight}，行李没有到，已经在机场报失了，行李牌号码 {bag_tag}，请问有消息吗？",
                "行李 {bag_tag} 到现在还没找到，里面有我们全家的衣服，能帮忙跟进一下吗？",
            ),
        ),
        detail=texts(
            "It's a dark blue hard-shell case with a yellow strap.",
            "是深藍色的硬殼行李箱，綁了黃色帶子。",
            "是深蓝色的硬壳行李箱，绑了黄色的带子。",
        ),
        reply=texts(
            en=(
                "I'm very sorry your bag hasn't arrived. I've traced tag {bag_tag}: it was left behind at the "
                "transfer point and is booked on tomorrow's {new_flight}. We will deliver it to your address free "
                "of charge.",
                "I'm sorry for the trouble. Your bag is still being traced; meanwhile you can buy essentials up to "
                "{amount} and we will reimburse you — please keep the receipts.",
            ),
            hant=(
                "非常抱歉行李未能送達。我已追蹤行李牌 {bag_tag}，行李留在轉機站，已安排明天的 {new_flight} 運送，"
                "到達後會免費送到您的地址。",
                "很抱歉造成不便。行李仍在追查中，期間您可購買日用品，上限 {amount}，請保留收據，我們會全數發還。",
            ),
            hans=(
                "非常抱歉行李没能送达。我已追踪行李牌 {bag_tag}，行李留在了中转站，已安排明天的 {new_flight} 运送，"
                "到达后会免费送到您的地址。",
                "很抱歉给您带来不便。行李仍在追查中，期间您可以购买日用品，上限 {amount}，请保留收据，我们会全额报销。",
            ),
        ),
        follow_up=texts(
            en=(
                "Please deliver it to my hotel, not home. Can someone call me before?",
                "I bought some clothes and toiletries, where do I send the receipts?",
            ),
            hant=("請送到我的酒店，不要送到家裡，送之前可以先打電話給我嗎？", "我買了些衣服和日用品，收據要寄到哪裡？"),
            hans=("请送到我住的酒店，不要送到家里，送之前能先打电话给我吗？", "我买了些衣服和日用品，收据要发到哪里？"),
        ),
        resolution=texts(
            en=(
                "Your bag arrived this morning and the courier will call you before delivering it to your hotel "
                "this afternoon.",
                "Please reply here with photos of the receipts and we'll reimburse up to {amount} to your card "
                "within 10 days.",
            ),
            hant=(
                "行李今早已到達，速遞員今天下午送到酒店前會先打電話給您。",
                "請在這裡回覆收據的相片，我們會在10天內把最多 {amount} 退回您的信用卡。",
            ),
            hans=(
                "行李今天早上已到达，快递员今天下午送到酒店前会先给您打电话。",
                "请在这里回复收据的照片，我们会在10天内把最多 {amount} 退回您的信用卡。",
            ),
        ),
        notes=texts(
            en=("WorldTracer file {tracer_ref}; bag located in BKK.", "Approved interim expenses up to {amount}."),
            hant=("WorldTracer 檔案 {tracer_ref}，行李在曼谷找到。", "已批准臨時開支上限 {amount}。"),
            hans=("WorldTracer 档案 {tracer_ref}，行李在曼谷找到了。", "已批准临时开支上限 {amount}。"),
        ),
    ),
    Scenario(
        key="baggage-damaged",
        team=_BAGGAGE,
        labels=("baggage",),
        priorities=(Priority.MEDIUM, Priority.HIGH),
        weight=8,
        complaint_chance=0.3,
        subject=texts("Damaged suitcase on {flight}", "{flight} 行李損壞", "{flight} 行李损坏"),
        opening=texts(
            en=(
                "My suitcase came off {flight} with a broken wheel and a crack down the side. What do I do?",
                "The handle of my bag was snapped when I collected it after {flight}. I have photos.",
            ),
            hant=("我搭 {flight} 的行李箱輪子斷了，側面還裂開，應該怎麼辦？", "下機取行李時發現拉桿斷了，我有拍照。"),
            hans=(
                "我坐 {flight} 的行李箱轮子断了，侧面还裂开了，应该怎么办？",
                "下飞机取行李时发现拉杆断了，我拍了照片。",
            ),
        ),
        detail=texts(
            "Photos attached. The bag is only a year old.",
            "相片已附上，行李箱才買了一年。",
            "照片已附上，行李箱才买了一年。",
        ),
        reply=texts(
            en=(
                "I'm sorry to see that. Please send the bag tag number and the airport damage report if you have "
                "one; we can repair or replace the suitcase.",
                "Thank you for the photos. We can offer a repair through our partner, or compensation of {amount}. "
                "Which would you prefer?",
            ),
            hant=(
                "看到這情況真的很抱歉。請提供行李牌號碼及機場的損壞報告（如有），我們可以維修或更換行李箱。",
                "謝謝您提供相片。我們可以安排合作商維修，或賠償 {amount}，請問您想選擇哪一個？",
            ),
            hans=(
                "看到这情况真的很抱歉。请提供行李牌号码以及机场的损坏报告（如有），我们可以维修或更换行李箱。",
                "谢谢您提供的照片。我们可以安排合作商维修，或者赔偿 {amount}，请问您选择哪一个？",
            ),
        ),
        follow_up=texts(
            en=(
                "Tag is {bag_tag}. I'd prefer the compensation.",
                "A repair is fine if it's quick, I fly again next week.",
            ),
            hant=("行李牌是 {bag_tag}，我想要賠償。", "維修也可以，但我下星期又要出門，要快一點。"),
            hans=("行李牌是 {bag_tag}，我想要赔偿。", "维修也可以，但我下个星期又要出差，要快一点。"),
        ),
        resolution=texts(
            en=(
                "Compensation of {amount} has been approved and will be credited to your card within 10 working days.",
                "Our repair partner will collect the bag tomorrow and return it within 5 days.",
            ),
            hant=("{amount} 的賠償已批核，將在10個工作天內存入您的信用卡。", "維修商明天會上門收取行李箱，5天內送回。"),
            hans=("{amount} 的赔偿已审批，将在10个工作日内退到您的信用卡。", "维修商明天会上门取行李箱，5天内送回。"),
        ),
        notes=texts(
            en=(
                "No pre-existing damage noted at check-in, so this happened in handling.",
                "Compensation within agent limit, no supervisor approval needed.",
            ),
            hant=("值機時沒有記錄原有損壞，屬運送途中造成。", "賠償金額在權限內，無需主管批核。"),
            hans=("值机时没有记录原有损坏，属运输途中造成。", "赔偿金额在权限内，不需要主管审批。"),
        ),
    ),
    Scenario(
        key="special-meal",
        team=_LOYALTY,
        labels=("特別餐",),
        priorities=(Priority.NONE, Priority.LOW),
        weight=8,
        subject=texts("Vegetarian meal on {flight}", "{flight} 素食餐", "{flight} 素食餐"),
        opening=texts(
            en=(
                "Hi, could you add a vegetarian meal to my booking {pnr} for {flight} on {date}? "
                "Also a window seat if possible.",
                "I'm vegan — can I pre-order a special meal for {flight}?",
            ),
            hant=(
                "你好，可以幫我在 {date} 的 {flight} 訂素食餐嗎？訂位編號 {pnr}，另外想要靠窗的座位。",
                "我吃全素，{flight} 可以預訂特別餐嗎？",
            ),
            hans=(
                "你好，能帮我在 {date} 的 {flight} 订素食餐吗？订座编号 {pnr}，另外想要靠窗的座位。",
                "我吃全素，{flight} 能预订特殊餐食吗？",
            ),
        ),
        detail=texts("It's for both passengers on the booking.", "訂位上兩位乘客都需要。", "订座上两位乘客都需要。"),
        reply=texts(
            en=(
                "Of course. I've added an Asian vegetarian meal for {flight} and moved you to seat {seat}, a window "
                "seat.",
                "Done — a vegan meal is requested for {flight}. Special meals need 24 hours' notice, so you're well "
                "in time.",
            ),
            hant=(
                "沒問題，已為您在 {flight} 加訂亞洲素食餐，並把座位改到靠窗的 {seat}。",
                "已為您預訂 {flight} 的純素餐。特別餐需要在起飛前24小時預訂，時間很充裕。",
            ),
            hans=(
                "没问题，已为您在 {flight} 加订亚洲素食餐，并把座位改到靠窗的 {seat}。",
                "已为您预订 {flight} 的纯素餐。特殊餐食需要在起飞前24小时预订，时间很充裕。",
            ),
        ),
        follow_up=texts(
            en=("Thank you! Will it show on my boarding pass?", "Can you do the same for the return flight?"),
            hant=("謝謝！登機證上會顯示嗎？", "回程也可以幫我訂嗎？"),
            hans=("谢谢！登机牌上会显示吗？", "回程也能帮我订吗？"),
        ),
        resolution=texts(
            en=(
                "Yes, you'll see 'AVML' next to your name, and the crew will serve you first.",
                "The return flight {new_flight} now has the same meal and a window seat too.",
            ),
            hant=(
                "會的，登機證上會顯示「AVML」，機組人員會優先為您送餐。",
                "回程 {new_flight} 也已訂好相同的餐點及靠窗座位。",
            ),
            hans=(
                "会的，登机牌上会显示“AVML”，乘务员会优先为您送餐。",
                "回程 {new_flight} 也已订好相同的餐食和靠窗座位。",
            ),
        ),
        notes=texts(
            en=("SSR VGML added to both segments.", "Window seats on {flight} almost full — gave {seat}."),
            hant=("兩段航程已加 SSR VGML。", "{flight} 靠窗座位快滿，已安排 {seat}。"),
            hans=("两段航程已加 SSR VGML。", "{flight} 靠窗座位快满了，已安排 {seat}。"),
        ),
    ),
    Scenario(
        key="upgrade",
        team=_LOYALTY,
        labels=("upgrade",),
        priorities=(Priority.LOW, Priority.MEDIUM),
        weight=8,
        subject=texts("Upgrade with miles on {flight}", "用里數升級 {flight}", "用里程升舱 {flight}"),
        opening=texts(
            en=(
                "Can I use my miles to upgrade to business class on {flight}? Membership number {ffn}.",
                "I have {miles} miles. Is there upgrade availability on {flight} on {date}?",
            ),
            hant=(
                "可以用里數把 {flight} 升級到商務艙嗎？會員號碼 {ffn}。",
                "我有 {miles} 里，{date} 的 {flight} 還可以升級嗎？",
            ),
            hans=(
                "可以用里程把 {flight} 升到商务舱吗？会员号 {ffn}。",
                "我有 {miles} 里程，{date} 的 {flight} 还能升舱吗？",
            ),
        ),
        detail=texts(
            "It's for our anniversary trip, so it would mean a lot.",
            "這是我們的結婚週年旅行，很希望可以升級。",
            "这是我们的结婚纪念日旅行，很希望能升舱。",
        ),
        reply=texts(
            en=(
                "Happy to help. An upgrade on {flight} costs 25,000 miles one way and there is availability. "
                "Shall I process it with your {miles} miles?",
                "Business class on {flight} is waitlisted for upgrades at the moment. I've added you to the list; "
                "we confirm 48 hours before departure.",
            ),
            hant=(
                "樂意幫忙。{flight} 單程升級需要 25,000 里，目前有位，需要用您的 {miles} 里辦理嗎？",
                "{flight} 商務艙升級目前需要候補，已為您加入候補名單，我們會在起飛前48小時確認。",
            ),
            hans=(
                "很乐意帮忙。{flight} 单程升舱需要 25,000 里程，目前有位，需要用您的 {miles} 里程办理吗？",
                "{flight} 商务舱升舱目前需要候补，已为您加入候补名单，我们会在起飞前48小时确认。",
            ),
        ),
        follow_up=texts(
            en=("Yes please, go ahead.", "OK. Will I get an email if it clears?"),
            hant=("好，麻煩幫我辦理。", "好的，如果成功會有電郵通知嗎？"),
            hans=("好的，麻烦帮我办理。", "好的，如果成功会有邮件通知吗？"),
        ),
        resolution=texts(
            en=(
                "Your upgrade on {flight} is confirmed, seat {seat}. Enjoy the lounge!",
                "Yes, you'll receive an email and a push notification as soon as it clears.",
            ),
            hant=("{flight} 已成功升級，座位 {seat}，歡迎使用貴賓室！", "會的，升級成功後會以電郵及 App 通知您。"),
            hans=("{flight} 已成功升舱，座位 {seat}，欢迎使用贵宾室！", "会的，升舱成功后会通过邮件和 App 通知您。"),
        ),
        notes=texts(
            en=("Anniversary trip — flagged for the cabin crew.", "Deducted 25,000 miles from {ffn}."),
            hant=("結婚週年旅行，已通知機艙服務員。", "已從 {ffn} 扣除 25,000 里。"),
            hans=("结婚纪念日旅行，已通知乘务员。", "已从 {ffn} 扣除 25,000 里程。"),
        ),
    ),
    Scenario(
        key="airline-compliment",
        team=_LOYALTY,
        labels=("compliment",),
        priorities=(Priority.NONE,),
        weight=6,
        resolved_share=0.85,
        subject=texts("Thank you to the crew of {flight}", "感謝 {flight} 機組人員", "感谢 {flight} 机组人员"),
        opening=texts(
            en=(
                "I just wanted to say the cabin crew on {flight} were wonderful with my elderly mother. "
                "Please pass on our thanks.",
                "Great service on {flight} yesterday — the ground staff found my phone and returned it before "
                "boarding!",
            ),
            hant=(
                "想讚賞一下 {flight} 的機艙服務員，他們很細心照顧我年長的媽媽，請代我們道謝。",
                "昨天 {flight} 的地勤人員幫我找回遺留的手機，服務非常好！",
            ),
            hans=(
                "想表扬一下 {flight} 的乘务员，他们很细心地照顾我年迈的妈妈，请代我们转达谢意。",
                "昨天 {flight} 的地勤人员帮我找回了落下的手机，服务非常好！",
            ),
        ),
        reply=texts(
            en=(
                "Thank you so much for taking the time to write. I've passed your message to the crew and their "
                "manager — it will make their day.",
                "What a lovely message, thank you! We'll share it with the team at the airport.",
            ),
            hant=(
                "非常感謝您抽空來信，我們已把您的讚賞轉達給機組人員及他們的主管。",
                "謝謝您的鼓勵！我們會把您的訊息分享給機場的同事。",
            ),
            hans=(
                "非常感谢您抽空来信，我们已把您的表扬转达给机组人员和他们的主管。",
                "谢谢您的鼓励！我们会把您的信息分享给机场的同事。",
            ),
        ),
        notes=texts(
            "Forwarded to the inflight services manager for recognition.",
            "已轉交機艙服務經理作表揚。",
            "已转交客舱服务经理作表扬。",
        ),
    ),
)

_ORDERS = "Orders"
_DELIVERY = "Delivery"
_RETURNS = "Returns"

SHOP_SCENARIOS = (
    Scenario(
        key="order-status",
        team=_ORDERS,
        labels=("order",),
        priorities=(Priority.NONE, Priority.LOW),
        weight=14,
        subject=texts("Where is order {order}?", "訂單 {order} 狀態查詢", "订单 {order} 状态查询"),
        opening=texts(
            en=(
                "Hi, I ordered the {product} on {past_date}, order {order}. Has it shipped yet?",
                "Could you tell me the status of order {order}? The tracking page hasn't updated.",
            ),
            hant=(
                "你好，我在 {past_date} 訂了{product}，訂單編號 {order}，請問出貨了嗎？",
                "請問訂單 {order} 的狀態？追蹤頁面一直沒有更新。",
                "你好，想問下 {order} 張單幾時寄出？",
            ),
            hans=(
                "你好，我在 {past_date} 买了{product}，订单号 {order}，请问发货了吗？",
                "请问订单 {order} 什么状态？物流页面一直没更新。",
            ),
        ),
        detail=texts(
            "I need it before the weekend if possible.",
            "如果可以的話，希望週末前收到。",
            "如果可以的话，希望周末前收到。",
        ),
        reply=texts(
            en=(
                "Thanks for waiting! Order {order} left our warehouse today with {courier}, tracking number "
                "{tracking}. It should reach you in 1–2 working days.",
                "Your {product} is packed and will be handed to {courier} this afternoon. I'll send you the tracking "
                "number as soon as it's scanned.",
            ),
            hant=(
                "謝謝您耐心等候！訂單 {order} 今天已由{courier}寄出，追蹤編號 {tracking}，預計1至2個工作天送達。",
                "您的{product}已經包裝好，今天下午會交給{courier}，有追蹤編號後會馬上通知您。",
            ),
            hans=(
                "感谢您耐心等待！订单 {order} 今天已由{courier}发出，运单号 {tracking}，预计1到2个工作日送达。",
                "您的{product}已经打包好，今天下午会交给{courier}，有运单号后会马上通知您。",
            ),
        ),
        follow_up=texts(
            en=(
                "Great, can I change the delivery address to my office?",
                "Thanks. Is there a way to choose a time slot?",
            ),
            hant=("太好了，可以改送到我公司嗎？", "謝謝，可以選擇送貨時段嗎？"),
            hans=("太好了，能改送到我公司吗？", "谢谢，可以选择送货时间段吗？"),
        ),
        resolution=texts(
            en=(
                "I've asked {courier} to redirect the parcel to your office address. You'll get a text from them on "
                "the delivery day.",
                "You can pick a time slot with the link in the {courier} text message.",
            ),
            hant=(
                "已通知{courier}把包裹改送到您的公司地址，送貨當天會收到短訊通知。",
                "您可以用{courier}短訊中的連結選擇送貨時段。",
            ),
            hans=(
                "已通知{courier}把包裹改送到您公司的地址，送货当天会收到短信通知。",
                "您可以通过{courier}短信里的链接选择送货时间段。",
            ),
        ),
        notes=texts(
            en=("Order was held for a stock check; released today.", "Address change requested with the courier."),
            hant=("訂單因點貨延遲，今天已放行。", "已向速遞公司申請改地址。"),
            hans=("订单因盘点延迟，今天已放行。", "已向快递公司申请改地址。"),
        ),
    ),
    Scenario(
        key="late-delivery",
        team=_DELIVERY,
        labels=("delivery",),
        priorities=(Priority.MEDIUM, Priority.HIGH),
        weight=14,
        complaint_chance=0.5,
        subject=texts("Order {order} still not delivered", "訂單 {order} 遲遲未送到", "订单 {order} 迟迟没送到"),
        opening=texts(
            en=(
                "My order {order} was supposed to arrive on {past_date} and it's still not here. This is really "
                "frustrating.",
                "Tracking for {tracking} has said 'out for delivery' for three days now. What is going on?",
            ),
            hant=(
                "訂單 {order} 說 {past_date} 會送到，到現在還沒收到，真的很失望。",
                "追蹤編號 {tracking} 顯示「派送中」已經三天了，到底什麼情況？",
                "張單 {order} 話 {past_date} 送到，到而家都未收到，搞咩呀？",
            ),
            hans=(
                "订单 {order} 说 {past_date} 送到，到现在还没收到，真的很失望。",
                "运单号 {tracking} 显示“派送中”已经三天了，到底怎么回事？",
            ),
        ),
        detail=texts(
            "I stayed home all day waiting for it.", "我為了等收貨整天都留在家。", "我为了等收货一整天都在家。"
        ),
        reply=texts(
            en=(
                "I'm really sorry for the wait. I've opened a case with {courier}: the parcel was mis-sorted at "
                "their hub. They've promised delivery by {new_date}.",
                "Apologies — the parcel is delayed at {courier}'s depot. I've asked for priority delivery and will "
                "update you tomorrow.",
            ),
            hant=(
                "非常抱歉讓您久等。我已向{courier}查詢，包裹在轉運中心分錯了區，他們承諾 {new_date} 前送到。",
                "很抱歉，包裹滯留在{courier}的倉庫，我已要求優先派送，明天會再跟您更新。",
            ),
            hans=(
                "非常抱歉让您久等了。我已向{courier}查询，包裹在转运中心分拣错了，他们承诺 {new_date} 前送到。",
                "很抱歉，包裹滞留在{courier}的仓库，我已要求优先派送，明天再跟您更新。",
            ),
        ),
        follow_up=texts(
            en=("If it doesn't come by then I want a refund.", "OK. Can you at least refund the delivery fee?"),
            hant=("如果那天還沒到，我要退款。", "好吧，運費可以退給我嗎？"),
            hans=("如果那天还没到，我要退款。", "好吧，运费能退给我吗？"),
        ),
        resolution=texts(
            en=(
                "Your parcel was delivered this morning. I've also refunded the {fee} delivery fee as an apology.",
                "Understood. The courier confirmed delivery for tomorrow morning, and I've refunded the delivery "
                "fee of {fee}.",
            ),
            hant=(
                "包裹今早已送達，我們也退回了 {fee} 運費，以表歉意。",
                "明白，速遞公司確認明早送到，運費 {fee} 已經退回。",
            ),
            hans=(
                "包裹今天早上已送达，我们也退回了 {fee} 运费，以表歉意。",
                "明白，快递公司确认明天上午送到，运费 {fee} 已经退回。",
            ),
        ),
        notes=texts(
            en=(
                "Courier case opened; they admit a mis-sort at the hub.",
                "Third late delivery in this district this week — flagged to logistics.",
            ),
            hant=("已向速遞公司開案，對方承認分錯區。", "本週這個地區第三宗延遲派送，已通知物流部。"),
            hans=("已向快递公司立案，对方承认分拣错误。", "本周这个地区第三起延迟派送，已通知物流部。"),
        ),
    ),
    Scenario(
        key="promised-cable",
        team=_ORDERS,
        labels=("order",),
        priorities=(Priority.MEDIUM,),
        weight=8,
        complaint_chance=0.4,
        subject=texts("Missing HDMI cable for order {order}", "訂單 {order} 缺少 HDMI 線", "订单 {order} 缺少 HDMI 线"),
        opening=texts(
            en=(
                "I bought the {screen} (order {order}) and your colleague promised a free HDMI cable would be "
                "included. It wasn't in the box.",
                "Where is the HDMI cable I was promised with my {screen}? I can't use it without one.",
            ),
            hant=(
                "我買了{screen}（訂單 {order}），你們同事答應會送一條 HDMI 線，但盒裡沒有。",
                "說好送的 HDMI 線呢？沒有線我的{screen}用不了。",
            ),
            hans=(
                "我买了{screen}（订单 {order}），你们同事答应送一根 HDMI 线，但盒子里没有。",
                "说好送的 HDMI 线呢？没有线我的{screen}用不了。",
            ),
        ),
        detail=texts(
            "It's in the chat from {past_date}, you can check.",
            "{past_date} 的對話紀錄有寫，你可以查一下。",
            "{past_date} 的聊天记录里有，你可以查一下。",
        ),
        reply=texts(
            en=(
                "You're right, and I'm sorry — the cable should have been packed with your order. I'm sending a "
                "2-metre HDMI 2.1 cable today by {courier}, tracking {tracking}.",
                "I can see the promise in our notes. The warehouse missed the cable; a replacement goes out today at "
                "no charge.",
            ),
            hant=(
                "您說得對，非常抱歉，HDMI 線應該和訂單一起寄出。"
                "今天會用{courier}寄一條2米的 HDMI 2.1 線給您，追蹤編號 {tracking}。",
                "我在紀錄中看到同事的承諾，倉庫漏放了，今天會免費補寄。",
            ),
            hans=(
                "您说得对，非常抱歉，HDMI 线应该和订单一起寄出的。"
                "今天会用{courier}寄一根2米的 HDMI 2.1 线给您，运单号 {tracking}。",
                "我在记录里看到了同事的承诺，仓库漏放了，今天会免费补寄。",
            ),
        ),
        follow_up=texts(
            en=(
                "Thanks. Please make sure it actually arrives this time.",
                "Will it arrive before Saturday? We want to watch the match.",
            ),
            hant=("謝謝，這次請確保真的會寄到。", "星期六前會到嗎？我們想看球賽。"),
            hans=("谢谢，这次请确保真的能寄到。", "周六之前能到吗？我们想看球赛。"),
        ),
        resolution=texts(
            en=(
                "The cable was delivered today — enjoy the new {screen}!",
                "Yes, {courier} shows delivery on Friday. I'll keep an eye on it.",
            ),
            hant=("HDMI 線今天已送到，祝您使用愉快！", "會的，{courier}顯示星期五送到，我會繼續跟進。"),
            hans=("HDMI 线今天已送到，祝您使用愉快！", "会的，{courier}显示周五送到，我会继续跟进。"),
        ),
        notes=texts(
            en=(
                "Cable promised in chat on {past_date} but never passed to the warehouse. "
                "Sending it as a separate parcel.",
                "Follow up on Friday to confirm the cable arrived.",
            ),
            hant=("{past_date} 在對話中承諾送線，但沒有通知倉庫，已另外寄出。", "星期五跟進確認已收到線。"),
            hans=("{past_date} 在聊天中承诺送线，但没有通知仓库，已另外寄出。", "周五跟进确认已收到线。"),
        ),
    ),
    Scenario(
        key="shop-refund",
        team=_RETURNS,
        labels=("refund",),
        priorities=(Priority.LOW, Priority.MEDIUM),
        weight=10,
        complaint_chance=0.3,
        subject=texts("Refund for order {order}", "訂單 {order} 退款", "订单 {order} 退款"),
        opening=texts(
            en=(
                "I returned the {product} two weeks ago but still haven't been refunded {amount}.",
                "When will I get my refund for order {order}? You received the return on {past_date}.",
            ),
            hant=(
                "我兩個星期前已退回{product}，但還沒收到 {amount} 的退款。",
                "訂單 {order} 的退款什麼時候會到？你們 {past_date} 已收到退貨。",
            ),
            hans=(
                "我两个星期前就退回了{product}，但还没收到 {amount} 的退款。",
                "订单 {order} 的退款什么时候到账？你们 {past_date} 已经收到退货了。",
            ),
        ),
        detail=texts("I paid by credit card.", "當時用信用卡付款。", "当时是用支付宝付的。"),
        reply=texts(
            en=(
                "Sorry for the delay. Your return passed inspection and the refund of {amount} was issued today; it "
                "takes 3–5 working days to reach your account.",
                "I've checked order {order}: the refund was waiting for inspection. I've pushed it through and you'll "
                "get a confirmation email shortly.",
            ),
            hant=(
                "抱歉久等了。退貨已通過檢查，{amount} 的退款今天已發出，約3至5個工作天到帳。",
                "我查過訂單 {order}，退款在等候驗貨，已幫您加快處理，稍後會收到確認電郵。",
            ),
            hans=(
                "抱歉久等了。退货已通过检查，{amount} 的退款今天已发出，大约3到5个工作日到账。",
                "我查了订单 {order}，退款在等待验货，已帮您加急处理，稍后会收到确认邮件。",
            ),
        ),
        follow_up=texts(
            en=(
                "Thanks, I got the email. Will it go back to the same card?",
                "Can I get store credit instead? It would be faster.",
            ),
            hant=("收到電郵了，謝謝。會退回同一張卡嗎？", "可以改成購物金嗎？會比較快。"),
            hans=("收到邮件了，谢谢。会退回原来的卡吗？", "能改成购物金吗？会快一些。"),
        ),
        resolution=texts(
            en=(
                "Yes, it goes back to the original payment method.",
                "Done: {amount} store credit is now in your account and can be used right away.",
            ),
            hant=("是的，款項會退回原本的付款方式。", "已完成：{amount} 購物金已存入您的帳戶，可以立即使用。"),
            hans=("是的，款项会原路退回。", "已完成：{amount} 购物金已存入您的账户，可以马上使用。"),
        ),
        notes=texts(
            en=(
                "Return inspected OK on {past_date}; the refund was not triggered automatically.",
                "Customer switched to store credit.",
            ),
            hant=("{past_date} 驗貨正常，但系統沒有自動退款。", "客人改為購物金。"),
            hans=("{past_date} 验货正常，但系统没有自动退款。", "客人改为购物金。"),
        ),
    ),
    Scenario(
        key="price-difference",
        team=_ORDERS,
        labels=("price-match",),
        priorities=(Priority.LOW,),
        weight=8,
        subject=texts("Price dropped after my order {order}", "訂單 {order} 差價", "订单 {order} 差价"),
        opening=texts(
            en=(
                "I bought the {product} last week and today it's {diff} cheaper on your site. Can I get the "
                "difference back?",
                "Your sale started the day after I ordered ({order}). Do you refund the price difference?",
            ),
            hant=(
                "我上星期買了{product}，今天網站上便宜了 {diff}，可以退回差價嗎？",
                "我下單（{order}）後第二天你們就減價了，可以退差價嗎？",
            ),
            hans=(
                "我上周买了{product}，今天网站上便宜了 {diff}，能退差价吗？",
                "我下单（{order}）第二天你们就降价了，可以退差价吗？",
            ),
        ),
        detail=texts("Order number is {order}.", "訂單編號是 {order}。", "订单号是 {order}。"),
        reply=texts(
            en=(
                "Good news: our 14-day price promise covers this. I've refunded {diff} to your original payment "
                "method.",
                "I've checked, and the price drop is within 14 days of your purchase, so you're eligible. Would you "
                "like it as a refund or as store credit?",
            ),
            hant=(
                "好消息：我們的14天價格保證適用，已把 {diff} 退回您原本的付款方式。",
                "我查過了，減價是在您購買後14天內，符合退差價條件。您想退回原付款方式還是轉為購物金？",
            ),
            hans=(
                "好消息：我们的14天价格保障适用，已把 {diff} 退回您原来的付款方式。",
                "我查了，降价在您购买后14天内，符合退差价条件。您想原路退回还是转为购物金？",
            ),
        ),
        follow_up=texts(
            en=("Store credit is fine, thanks.", "Refund to my card please."),
            hant=("購物金就可以了，謝謝。", "請退回信用卡。"),
            hans=("购物金就可以，谢谢。", "请退回信用卡。"),
        ),
        resolution=texts(
            en=(
                "Done — {diff} has been added to your account. Thanks for shopping with us!",
                "The refund of {diff} is on its way to your card.",
            ),
            hant=("已完成，{diff} 已加到您的帳戶，謝謝惠顧！", "{diff} 的退款已退回您的信用卡。"),
            hans=("已完成，{diff} 已添加到您的账户，谢谢惠顾！", "{diff} 的退款已退回您的信用卡。"),
        ),
        notes=texts(
            en=(
                "Within the 14-day price promise; no approval needed.",
                "Same customer asked for a price match last month.",
            ),
            hant=("符合14天價格保證，不需批核。", "這位客人上個月也申請過退差價。"),
            hans=("符合14天价格保障，不需要审批。", "这位客人上个月也申请过退差价。"),
        ),
    ),
    Scenario(
        key="wrong-size",
        team=_RETURNS,
        labels=("退貨",),
        priorities=(Priority.LOW,),
        weight=8,
        subject=texts("Wrong size for order {order}", "訂單 {order} 尺碼不對", "订单 {order} 尺码不对"),
        opening=texts(
            en=(
                "I ordered the {apparel} in size {size} but received {other_size}. Can you exchange it?",
                "The {apparel} I got is too small even though I ordered my usual size {size}.",
            ),
            hant=(
                "我訂的{apparel}是 {size} 碼，但收到的是 {other_size} 碼，可以換嗎？",
                "收到的{apparel}太小了，我訂的是平常穿的 {size} 碼。",
            ),
            hans=(
                "我买的{apparel}是 {size} 码，但收到的是 {other_size} 码，可以换吗？",
                "收到的{apparel}太小了，我买的是平时穿的 {size} 码。",
            ),
        ),
        detail=texts("The tags are still on and it's unworn.", "吊牌還在，沒有穿過。", "吊牌还在，没有穿过。"),
        reply=texts(
            en=(
                "Sorry about the mix-up! I've created a free exchange: {courier} will collect the {other_size} and "
                "deliver size {size} at the same time.",
                "I'm sorry it doesn't fit. You can exchange it free of charge within 30 days; I've emailed you a "
                "prepaid return label.",
            ),
            hant=(
                "很抱歉出錯了！已為您安排免費換貨，{courier}會上門收回 {other_size} 碼，同時送上 {size} 碼。",
                "很抱歉不合身。30天內可以免費換貨，預付的退貨標籤已電郵給您。",
            ),
            hans=(
                "很抱歉出错了！已为您安排免费换货，{courier}会上门取回 {other_size} 码，同时送上 {size} 码。",
                "很抱歉不合身。30天内可以免费换货，预付的退货标签已发到您的邮箱。",
            ),
        ),
        follow_up=texts(
            en=("Can the courier come after 6pm?", "Is size {size} still in stock? I don't want to wait weeks."),
            hant=("速遞可以晚上六點後來嗎？", "{size} 碼還有貨嗎？我不想等好幾個星期。"),
            hans=("快递可以晚上六点以后来吗？", "{size} 码还有货吗？我不想等好几个星期。"),
        ),
        resolution=texts(
            en=(
                "Yes, I've booked an evening pickup for {new_date} between 18:00 and 21:00.",
                "Size {size} is in stock and reserved for you; it ships as soon as the return is scanned.",
            ),
            hant=("可以，已預約 {new_date} 晚上6點至9點上門收件。", "{size} 碼有貨，已為您預留，退貨掃描後便會寄出。"),
            hans=("可以，已预约 {new_date} 晚上6点到9点上门取件。", "{size} 码有货，已为您预留，退货扫描后就会寄出。"),
        ),
        notes=texts(
            en=("Picking error at the warehouse (the two sizes share a shelf).", "Reserved size {size}."),
            hant=("倉庫執錯貨，兩個尺碼放在相鄰貨架。", "已預留 {size} 碼。"),
            hans=("仓库拣错货，两个尺码放在相邻货架。", "已预留 {size} 码。"),
        ),
    ),
    Scenario(
        key="return",
        team=_RETURNS,
        labels=("退貨",),
        priorities=(Priority.NONE, Priority.LOW),
        weight=10,
        subject=texts("Return request for the {product}", "{product}退貨申請", "{product}退货申请"),
        opening=texts(
            en=(
                "Hi, I'd like to return the {product} from order {order}. It doesn't work with my setup.",
                "How do I return an item? The {product} isn't what I expected.",
            ),
            hant=(
                "你好，我想退回訂單 {order} 的{product}，跟我的設備不兼容。",
                "請問怎樣退貨？{product}跟我想像的不一樣。",
            ),
            hans=(
                "你好，我想退回订单 {order} 的{product}，和我的设备不兼容。",
                "请问怎么退货？{product}和我想的不一样。",
            ),
        ),
        detail=texts("I still have the original box.", "原裝盒子還在。", "原装盒子还在。"),
        reply=texts(
            en=(
                "No problem. You're within the 30-day return window. I've emailed a prepaid {courier} label; once "
                "we receive the {product} we'll refund {amount}.",
                "Sure — please pack the {product} in its box and drop it at any {courier} point with the label I've "
                "just sent.",
            ),
            hant=(
                "沒問題，您仍在30天退貨期內。預付的{courier}標籤已電郵給您，收到{product}後會退回 {amount}。",
                "可以的，請把{product}放回盒子，連同剛發給您的標籤交到任何{courier}服務點。",
            ),
            hans=(
                "没问题，您还在30天退货期内。预付的{courier}面单已发到您的邮箱，收到{product}后会退回 {amount}。",
                "可以的，请把{product}放回盒子，连同刚发给您的面单交到任意{courier}服务点。",
            ),
        ),
        follow_up=texts(
            en=("Dropped it off today, tracking {tracking}.", "Do I need to include the receipt?"),
            hant=("今天已交到服務點，追蹤編號 {tracking}。", "需要放收據嗎？"),
            hans=("今天已经寄出，运单号 {tracking}。", "需要放收据吗？"),
        ),
        resolution=texts(
            en=(
                "We've received the {product} and refunded {amount}. Thanks!",
                "No need — the return label links it to your order.",
            ),
            hant=("已收到{product}，{amount} 已退回，謝謝！", "不需要，退貨標籤已連結到您的訂單。"),
            hans=("已收到{product}，{amount} 已退回，谢谢！", "不需要，退货面单已关联您的订单。"),
        ),
        notes=texts(
            en=(
                "Reason: incompatible — worth adding compatibility info to the product page.",
                "Return tracking {tracking}.",
            ),
            hant=("退貨原因：不兼容，建議在產品頁加上兼容資料。", "退貨追蹤編號 {tracking}。"),
            hans=("退货原因：不兼容，建议在商品页加上兼容信息。", "退货运单号 {tracking}。"),
        ),
    ),
    Scenario(
        key="shop-compliment",
        team=_DELIVERY,
        labels=("compliment",),
        priorities=(Priority.NONE,),
        weight=6,
        resolved_share=0.85,
        subject=texts("Thank you!", "謝謝你們！", "谢谢你们！"),
        opening=texts(
            en=(
                "The {product} arrived a day early and beautifully packed. Thank you!",
                "Just wanted to say your delivery driver was super helpful carrying the {product} upstairs.",
            ),
            hant=(
                "{product}提早一天送到，包裝得很好，謝謝你們！",
                "想讚一下你們的送貨員，很熱心幫我把{product}搬上樓。",
            ),
            hans=(
                "{product}提前一天送到，包装得很好，谢谢你们！",
                "想表扬一下你们的送货员，很热心地帮我把{product}搬上楼。",
            ),
        ),
        reply=texts(
            en=(
                "That's lovely to hear — thank you! I'll pass it on to the team.",
                "Thank you for letting us know! We've shared your message with our delivery partner.",
            ),
            hant=("很高興聽到您這樣說，謝謝！會轉告團隊。", "謝謝您告訴我們！我們已把您的訊息轉達給送貨團隊。"),
            hans=("很高兴听到您这么说，谢谢！会转告团队的。", "谢谢您告诉我们！我们已把您的信息转达给送货团队。"),
        ),
        notes=texts("Shared in the team's kudos channel.", "已分享到團隊群組。", "已分享到团队群里。"),
    ),
)

SKYWARD = WorkspaceSpec(
    name="Skyward Airlines",
    slug="skyward-airlines",
    business="airline",
    email_domain="skyward.demo",
    default_language=EN,
    time_zone=HONG_KONG,
    share=0.6,
    teams=(
        (_RESERVATIONS, "Bookings, changes, cancellations and refunds"),
        (_BAGGAGE, "Delayed, lost and damaged baggage"),
        (_LOYALTY, "Skyward Club members, upgrades, meals and feedback"),
    ),
    canned=(
        ("hello", "Greeting", "Hello {{contact.name}}, this is {{agent.name}} from Skyward Airlines. How can I help?"),
        ("hello-zh", "問候（繁）", "{{contact.name}}您好，我是天翔航空的{{agent.name}}，請問有甚麼可以幫到您？"),
        (
            "rebook",
            "Rebooking options",
            "I'm sorry your flight was disrupted, {{contact.name}}. I can rebook you free of charge on the next "
            "available flight. Which date suits you best?",
        ),
        (
            "bag-trace",
            "Delayed bag: tracing",
            "We have opened a trace for your bag. Our baggage team will update you within 24 hours; "
            "your Skyward Club number {{contact.frequent_flyer_number}} is on the file.",
        ),
        ("refund-zh", "退款時間（繁）", "{{contact.name}}您好，退款會於 7 至 14 個工作天內退回原本的付款方式。"),
    ),
    labels=(
        ("rebooking", "#2563eb", "The customer needs a new flight"),
        ("refund", "#16a34a", "Money back for an unused or cancelled ticket"),
        ("baggage", "#9333ea", "Delayed, lost or damaged bags"),
        ("upgrade", "#0891b2", "Upgrades with miles or cash"),
        ("特別餐", "#ca8a04", "Special meals (素食、清真、兒童餐)"),
        ("vip", "#b45309", "Gold and Diamond members"),
        ("complaint", "#dc2626", "The customer is unhappy with us"),
        ("compliment", "#db2777", "Praise to pass on to the team"),
    ),
    channels=(
        ChannelSpec(
            ChannelKind.WHATSAPP,
            "Skyward WhatsApp",
            {
                "phone_number": "+852 3900 1234",
                "phone_number_id": "109238475610293",
                "waba_id": "2094857361029",
            },
            ("access_token", "app_secret", "verify_token"),
        ),
        ChannelSpec(
            ChannelKind.LINE,
            "天翔航空 LINE 官方帳號",
            {"bot_basic_id": "@skywardair", "channel_id": "1657483920"},
            ("channel_secret", "access_token"),
        ),
        ChannelSpec(
            ChannelKind.MESSENGER,
            "Skyward Airlines (Facebook)",
            {"page_id": "104857362910384", "page_name": "Skyward Airlines"},
            ("page_access_token", "app_secret", "verify_token"),
        ),
        ChannelSpec(
            ChannelKind.EMAIL,
            "support@skyward.demo",
            {"address": "support@skyward.demo", "imap_host": "imap.skyward.demo", "smtp_host": "smtp.skyward.demo"},
            ("imap_password", "smtp_password", "webhook_signing_key"),
        ),
        ChannelSpec(
            ChannelKind.WEBCHAT,
            "skyward.demo chat",
            {"allowed_origins": "https://www.skyward.demo", "greeting": "Hi! How can we help with your trip?"},
            ("identity_secret",),
        ),
        ChannelSpec(
            ChannelKind.WECHAT,
            "天翔航空 微信公众号",
            {
                "account_type": "official_account",
                "app_id": "wx5f8a2c9e1b3d7046",
                "encoding_mode": "safe",
                "account_name": "天翔航空",
            },
            ("app_secret", "token", "encoding_aes_key"),
        ),
        ChannelSpec(
            ChannelKind.TELEGRAM,
            "@SkywardAirBot",
            {"bot_username": "SkywardAirBot"},
            ("bot_token", "webhook_secret"),
        ),
        ChannelSpec(
            ChannelKind.X,
            "@SkywardAir on X",
            {"user_id": "1466758213027082240", "username": "SkywardAir"},
            ("consumer_key", "consumer_secret", "access_token", "access_token_secret"),
        ),
        ChannelSpec(
            ChannelKind.SMS,
            "Skyward SMS +852 6452 0188",
            {"account_sid": "AC3f1e0d9c8b7a69584736251403f2e1d0", "from_number": "+85264520188"},
            ("auth_token",),
        ),
    ),
    staff=(
        StaffSpec(Role.OWNER, EN, HONG_KONG, (), email=DEMO_ADMIN_EMAIL),
        StaffSpec(Role.ADMIN, HANT, HONG_KONG, (_LOYALTY,)),
        StaffSpec(Role.SUPERVISOR, EN, HONG_KONG, (_RESERVATIONS, _BAGGAGE)),
        StaffSpec(Role.AGENT, HANT, HONG_KONG, (_RESERVATIONS,), email=DEMO_AGENT_EMAIL),
        StaffSpec(Role.AGENT, HANS, SHANGHAI, (_RESERVATIONS,)),
        StaffSpec(Role.AGENT, HANT, HONG_KONG, (_BAGGAGE,)),
        StaffSpec(Role.AGENT, EN, HONG_KONG, (_BAGGAGE, _LOYALTY)),
        StaffSpec(Role.AGENT, HANT, TAIPEI, (_LOYALTY,)),
    ),
    language_mix={HANT: 45, EN: 30, HANS: 25},
    channel_preferences={
        HANT: (
            (ChannelKind.WHATSAPP, 5),
            (ChannelKind.LINE, 4),
            (ChannelKind.EMAIL, 2),
            (ChannelKind.SMS, 1),
            (ChannelKind.WEBCHAT, 1),
        ),
        HANS: ((ChannelKind.WECHAT, 6), (ChannelKind.EMAIL, 2), (ChannelKind.WEBCHAT, 1)),
        EN: (
            (ChannelKind.EMAIL, 4),
            (ChannelKind.MESSENGER, 3),
            (ChannelKind.WHATSAPP, 3),
            (ChannelKind.TELEGRAM, 1),
            (ChannelKind.X, 1),
            (ChannelKind.SMS, 1),
            (ChannelKind.WEBCHAT, 1),
        ),
    },
    tiers=(("Green", 55), ("Silver", 25), ("Gold", 14), ("Diamond", 6)),
    vip_tiers=("Gold", "Diamond"),
    scenarios=AIRLINE_SCENARIOS,
)

HARBOUR = WorkspaceSpec(
    name="Harbour Shop",
    slug="harbour-shop",
    business="shop",
    email_domain="harbour.demo",
    default_language=HANT,
    time_zone=HONG_KONG,
    share=0.4,
    teams=(
        (_ORDERS, "Orders, payments and price questions"),
        (_DELIVERY, "Couriers, delivery slots and late parcels"),
        (_RETURNS, "Returns, exchanges and refunds"),
    ),
    canned=(
        ("hello", "Greeting", "Hi {{contact.name}}, thanks for contacting Harbour Shop! I'm {{agent.name}}."),
        ("hello-zh", "問候（繁）", "{{contact.name}}您好！我是 Harbour Shop 的{{agent.name}}，很高興為您服務。"),
        (
            "order-status",
            "Order status",
            "Your order {{order.number}} has left our warehouse and should arrive within 2 working days.",
        ),
        (
            "return",
            "How to return",
            "You can return any item within 30 days. Reply with your order number and we'll send a free return label.",
        ),
        (
            "tuihuo",
            "退貨安排（简）",
            "{{contact.name}}您好，订单 {{order.number}} 的退货已登记，快递员会在两个工作日内上门取件。",
        ),
    ),
    labels=(
        ("order", "#2563eb", "Questions about an order"),
        ("delivery", "#0891b2", "Where is my parcel"),
        ("退貨", "#9333ea", "Returns and exchanges (退貨／換貨)"),
        ("refund", "#16a34a", "Money back"),
        ("price-match", "#ca8a04", "Price difference after a sale"),
        ("vip", "#b45309", "VIP customers"),
        ("complaint", "#dc2626", "The customer is unhappy with us"),
        ("compliment", "#db2777", "Praise to pass on to the team"),
    ),
    channels=(
        ChannelSpec(
            ChannelKind.WHATSAPP,
            "Harbour Shop WhatsApp",
            {
                "phone_number": "+852 5801 2288",
                "phone_number_id": "118273645501928",
                "waba_id": "3018274659102",
            },
            ("access_token", "app_secret", "verify_token"),
        ),
        ChannelSpec(
            ChannelKind.LINE,
            "海港選物 LINE",
            {"bot_basic_id": "@harbourshop", "channel_id": "1660238471"},
            ("channel_secret", "access_token"),
        ),
        ChannelSpec(
            ChannelKind.INSTAGRAM,
            "@harbour.shop",
            {"page_id": "107362948105736", "ig_user_id": "17841405822304914", "username": "harbour.shop"},
            ("page_access_token", "app_secret", "verify_token"),
        ),
        ChannelSpec(
            ChannelKind.EMAIL,
            "hello@harbour.demo",
            {"address": "hello@harbour.demo", "imap_host": "imap.harbour.demo", "smtp_host": "smtp.harbour.demo"},
            ("imap_password", "smtp_password", "webhook_signing_key"),
        ),
        ChannelSpec(
            ChannelKind.WEBCHAT,
            "harbour.demo chat",
            {"allowed_origins": "https://harbour.demo", "greeting": "有咩可以幫到你？ How can we help?"},
            ("identity_secret",),
        ),
        ChannelSpec(
            ChannelKind.WECHAT,
            "海港选物 微信",
            {
                "account_type": "official_account",
                "app_id": "wx91c3e7a0d2f64b58",
                "encoding_mode": "safe",
                "account_name": "海港选物",
            },
            ("app_secret", "token", "encoding_aes_key"),
        ),
    ),
    staff=(
        StaffSpec(Role.OWNER, EN, HONG_KONG, (), email=DEMO_ADMIN_EMAIL),
        StaffSpec(Role.ADMIN, HANT, HONG_KONG, (_RETURNS,)),
        StaffSpec(Role.SUPERVISOR, HANT, HONG_KONG, (_ORDERS, _DELIVERY)),
        StaffSpec(Role.AGENT, HANT, HONG_KONG, (_ORDERS,), email=DEMO_AGENT_EMAIL),
        StaffSpec(Role.AGENT, HANT, TAIPEI, (_ORDERS,)),
        StaffSpec(Role.AGENT, HANS, SHANGHAI, (_DELIVERY,)),
        StaffSpec(Role.AGENT, HANT, HONG_KONG, (_DELIVERY, _RETURNS)),
        StaffSpec(Role.AGENT, EN, HONG_KONG, (_RETURNS,)),
    ),
    language_mix={HANT: 50, EN: 30, HANS: 20},
    channel_preferences={
        HANT: ((ChannelKind.WHATSAPP, 4), (ChannelKind.LINE, 3), (ChannelKind.INSTAGRAM, 2), (ChannelKind.WEBCHAT, 2)),
        HANS: ((ChannelKind.WECHAT, 6), (ChannelKind.WEBCHAT, 1), (ChannelKind.EMAIL, 1)),
        EN: ((ChannelKind.EMAIL, 4), (ChannelKind.INSTAGRAM, 3), (ChannelKind.WHATSAPP, 3), (ChannelKind.WEBCHAT, 2)),
    },
    tiers=(("Member", 80), ("VIP", 20)),
    vip_tiers=("VIP",),
    scenarios=SHOP_SCENARIOS,
)

WORKSPACES = (SKYWARD, HARBOUR)
